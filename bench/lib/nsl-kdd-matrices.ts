import { join, resolve } from 'node:path';
import { loadTable } from '../../src/data/load-table.js';
import { DATASETS } from '../../src/data/registry.js';
import type { TaskName } from '../../src/data/schema.js';
import { selectRows } from '../../src/data/table.js';
import { labelsForTask } from '../../src/data/tasks.js';
import type { LabelledSet } from '../../src/preprocess/matrix.js';
import { FeaturePipeline } from '../../src/preprocess/pipeline.js';

export const benchDataDir = resolve(process.env.IOT_IDS_DATA_DIR ?? '../shared/data');

/** Loads two NSL-KDD splits through the real loader and pipeline (fitted on the first) for benchmarks. */
export async function nslKddMatrices(
  trainSplit = 'KDDTrain+',
  testSplit = 'KDDTest+',
  task: TaskName = '5class',
): Promise<{ train: LabelledSet; test: LabelledSet }> {
  const dataset = DATASETS['nsl-kdd'];
  const load = async (name: string) => {
    const file = dataset.splits.find((s) => s.name === name)!.file;
    const { table } = await loadTable(join(benchDataDir, file), dataset.schema);
    const labels = labelsForTask(table, task, dataset);
    return { table: selectRows(table, labels.rows), y: labels.y, classes: labels.classes };
  };
  const train = await load(trainSplit);
  const test = await load(testSplit);
  const pipeline = new FeaturePipeline().fit(train.table);
  return {
    train: { x: pipeline.transform(train.table).x, y: train.y, classes: train.classes },
    test: { x: pipeline.transform(test.table).x, y: test.y, classes: test.classes },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
