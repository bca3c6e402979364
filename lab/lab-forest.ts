import { rawLabelAt } from '../src/data/table.js';
import { RandomForestClassifier } from '../src/models/random-forest/forest.js';
import { FeaturePipeline } from '../src/preprocess/pipeline.js';
import type { ConnRecord } from '../src/traffic/conn-record.js';
import { buildFeatureTable } from '../src/traffic/features/feature-table.js';
import {
  LAB_BENIGN,
  LAB_UNATTRIBUTED,
  labClasses,
  labelConnection,
  type LabGroundTruth,
} from '../src/traffic/lab-labels.js';

/** A lab label as a class name: `benign` is `normal`, the benign class `serve` and `watch` expect. */
export const labClassOf = (label: string): string => (label === LAB_BENIGN ? 'normal' : label);

/** One lab run's connection records and the ground truth that labels them. */
export interface LabTrainingRun {
  records: readonly ConnRecord[];
  truth: LabGroundTruth;
}

/**
 * The lab's flow classifier, as `evaluate.ts` and `evaluate-packets.ts` both train it: a training run's
 * connections labelled from its ground truth (unattributed ones left out), `conn` features, a min-max
 * pipeline and a `trees`-tree forest (seed 1).
 */
export async function trainLabForest(records: readonly ConnRecord[], truth: LabGroundTruth, trees: number) {
  return trainLabForestOnRuns([{ records, truth }], trees);
}

/**
 * The same forest trained on several runs at once: attack runs and benign-only runs (`--benign-only`,
 * whose every connection is benign, so long sessions and odd-but-normal connections are seen as `normal`).
 * The classes are the benign class and the attack phases of the runs, in the order they first appear.
 */
export async function trainLabForestOnRuns(runs: readonly LabTrainingRun[], trees: number) {
  if (runs.length === 0) throw new RangeError('trainLabForestOnRuns: no training run');
  const classes: string[] = [];
  for (const { truth } of runs)
    for (const c of labClasses(truth).map(labClassOf)) if (!classes.includes(c)) classes.push(c);
  if (classes.length < 2) throw new RangeError('trainLabForestOnRuns: the runs hold no attack phase');
  const labelled = runs.flatMap(({ records, truth }) =>
    records
      .map((r) => ({ ...r, label: labelConnection(r, truth) }))
      .filter((r) => r.label !== LAB_UNATTRIBUTED),
  );
  const { table, columns } = buildFeatureTable(labelled, 'conn');
  const y = Int32Array.from({ length: table.nRows }, (_, i) =>
    classes.indexOf(labClassOf(rawLabelAt(table, i))),
  );
  const pipeline = new FeaturePipeline().fit(table);
  const x = pipeline.transform(table).x;
  const forest = new RandomForestClassifier({ nEstimators: trees, nJobs: 0, seed: 1 });
  await forest.fit(x, y, { nClasses: classes.length });
  return { table, columns, classes, y, pipeline, x, forest };
}
