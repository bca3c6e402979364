import { join } from 'node:path';
import { loadTable } from '../../src/data/load-table.js';
import { DATASETS, type BuiltInDatasetName } from '../../src/data/registry.js';
import type { TaskName } from '../../src/data/schema.js';
import { selectRows } from '../../src/data/table.js';
import { labelsForTask } from '../../src/data/tasks.js';
import type { LabelledSet } from '../../src/preprocess/matrix.js';
import { FeaturePipeline } from '../../src/preprocess/pipeline.js';
import { benchDataDir } from './nsl-kdd-matrices.js';

/**
 * One split of a built-in dataset through the real loader, task labelling and pipeline (fitted on it), as
 * a training run builds it; by default KDD Cup 99's 10 % file (494,021 rows) with the DDoS/U2R/normal task.
 */
export async function trainingMatrix(
  datasetName: BuiltInDatasetName = 'kdd99',
  split = 'kddcup.data_10_percent',
  task: TaskName = 'ddos-u2r-normal',
): Promise<LabelledSet & { loadSeconds: number }> {
  const started = performance.now();
  const dataset = DATASETS[datasetName];
  const file = dataset.splits.find((s) => s.name === split)?.file;
  if (file === undefined) throw new Error(`${datasetName} has no split "${split}"`);
  const { table } = await loadTable(join(benchDataDir, file), dataset.schema);
  const labels = labelsForTask(table, task, dataset);
  const kept = selectRows(table, labels.rows);
  const x = new FeaturePipeline().fit(kept).transform(kept).x;
  return { x, y: labels.y, classes: labels.classes, loadSeconds: (performance.now() - started) / 1000 };
}
