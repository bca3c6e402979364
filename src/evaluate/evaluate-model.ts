import { join } from 'node:path';
import { usageError } from '../errors.js';
import type { DatasetDefinition } from '../data/schema.js';
import { loadLabelledSplit } from '../data/labelled-split.js';
import { dataSearchPath } from '../data/locate.js';
import type { TaskName } from '../data/schema.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import { datasetForModel } from '../models/model-dataset.js';
import { restrictClasses } from '../data/class-coverage.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import { buildRocFile } from './roc-file.js';
import { formatClassificationReport } from './classification-report.js';
import { describeProtocol, type MetricsFile } from './metrics-file.js';
import { scoreSplit } from './score-split.js';

export interface EvaluateSpec {
  /** A saved model directory (runs/<id>/model). */
  modelDir: string;
  /** Dataset name or schema file; defaults to the one the model was trained on. */
  dataset?: string;
  /** Split to score; may be left out when the dataset has one file (e.g. `-d other.conn.log.labeled`). */
  split?: string;
  out: string;
  dataDir?: string;
  strict?: boolean;
}

/** Scores a saved model on any split and writes a metrics.json of the same contract as `train`. */
export async function evaluateModel(
  spec: EvaluateSpec,
  progress: ProgressReporter = silentProgress,
): Promise<{ metrics: MetricsFile; metricsPath: string }> {
  const saved = await loadSavedModel(spec.modelDir);
  const { manifest, pipeline, model } = saved;
  try {
    const dataset = await datasetForModel(manifest, spec.modelDir, spec.dataset);
    const split = spec.split ?? onlySplit(dataset);
    const loaded = await loadLabelledSplit(dataset, split, manifest.task as TaskName, {
      searchPath: dataSearchPath(spec.dataDir),
      strict: spec.strict,
      progress,
    });
    // A class the model was trained without (absent from its training file) cannot be scored against it.
    const test = restrictClasses(loaded, manifest.classes);
    const transformed = pipeline.transform(test.table);
    progress.start(`score ${split}`, test.table.nRows, 'rows');
    const scored = await scoreSplit(model, transformed.x, test.y, manifest.classes);
    progress.finish();
    const metrics: MetricsFile = {
      formatVersion: 1,
      dataset: dataset.name,
      task: manifest.task,
      protocol: manifest.protocol,
      protocolDescription: `${describeProtocol(manifest.protocol, '(see the training run)', [split])}; evaluated with a saved model`,
      model: manifest.kind,
      modelOptions: manifest.options,
      seed: manifest.seed,
      classes: manifest.classes,
      trainSplit: '(see the training run)',
      trainRows: 0,
      trainSeconds: null,
      cleaning: {
        splits: {
          [split]: {
            ...test.cleaning,
            unknownCategories: transformed.unknownCategories,
            clippedValues: transformed.clipped,
          },
        },
      },
      splits: { [split]: scored.metrics },
      createdAt: new Date().toISOString(),
    };
    const metricsPath = join(spec.out, 'metrics.json');
    await writeFileAtomic(
      join(spec.out, 'classification-report.txt'),
      `${split}\n${formatClassificationReport(manifest.classes, test.y, scored.yPred)}`,
    );
    await writeJsonAtomic(
      join(spec.out, 'roc.json'),
      buildRocFile(manifest.classes, test.y, scored.scores, split),
    );
    await writeJsonAtomic(metricsPath, metrics);
    return { metrics, metricsPath };
  } finally {
    await model.dispose();
  }
}

/** The dataset's one file, for `evaluate` without --split; a usage error listing the splits otherwise. */
function onlySplit(dataset: DatasetDefinition): string {
  if (dataset.splits.length === 1) return dataset.splits[0].name;
  throw usageError(
    `dataset ${dataset.name} has ${dataset.splits.length} files: name one with --split (${dataset.splits.map((s) => s.name).join(', ')})`,
  );
}
