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

/**
 * The lab's flow classifier, as `evaluate.ts` and `evaluate-packets.ts` both train it: a training run's
 * connections labelled from its ground truth (unattributed ones left out), `conn` features, a min-max
 * pipeline and a `trees`-tree forest (seed 1).
 */
export async function trainLabForest(records: readonly ConnRecord[], truth: LabGroundTruth, trees: number) {
  const labelled = records
    .map((r) => ({ ...r, label: labelConnection(r, truth) }))
    .filter((r) => r.label !== LAB_UNATTRIBUTED);
  const { table, columns } = buildFeatureTable(labelled, 'conn');
  const classes = labClasses(truth).map(labClassOf);
  const y = Int32Array.from({ length: table.nRows }, (_, i) =>
    classes.indexOf(labClassOf(rawLabelAt(table, i))),
  );
  const pipeline = new FeaturePipeline().fit(table);
  const x = pipeline.transform(table).x;
  const forest = new RandomForestClassifier({ nEstimators: trees, nJobs: 0, seed: 1 });
  await forest.fit(x, y, { nClasses: classes.length });
  return { table, columns, classes, y, pipeline, x, forest };
}
