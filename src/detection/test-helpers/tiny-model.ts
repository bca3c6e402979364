import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTable } from '../../data/load-table.js';
import type { DatasetSchema } from '../../data/schema.js';
import { rawLabelAt } from '../../data/table.js';
import { saveModelDir } from '../../models/model-dir.js';
import { RandomForestClassifier } from '../../models/random-forest/forest.js';
import { FeaturePipeline } from '../../preprocess/pipeline.js';
import { Random } from '../../util/random.js';

/**
 * A small synthetic dataset whose class is decided by one feature: `signal` below 10 is normal, 10–20 dos,
 * 20 and above probe. `duration`, `proto` and `noise` are random, and `difficulty` is an ignored column,
 * so the detection input may have 6, 5 or 4 fields per line.
 */
export const TINY_SCHEMA: DatasetSchema = {
  name: 'tiny',
  columns: [
    { name: 'duration', type: 'numeric' },
    { name: 'proto', type: 'categorical' },
    { name: 'signal', type: 'numeric' },
    { name: 'noise', type: 'numeric' },
    { name: 'label', type: 'label' },
    { name: 'difficulty', type: 'ignore' },
  ],
  header: false,
  delimiter: ',',
};

export const TINY_CLASSES = ['normal', 'dos', 'probe'];

export interface TinyRow {
  duration: number;
  proto: string;
  signal: number;
  noise: number;
  label: string;
  difficulty: number;
}

/** A random row; its label follows from `signal`. */
export function tinyRow(random: Random, cls = random.int(3)): TinyRow {
  const signal = Math.round((cls * 10 + 0.5 + random.next() * 9) * 100) / 100;
  return {
    duration: random.int(1000),
    proto: ['tcp', 'udp', 'icmp'][random.int(3)],
    signal,
    noise: Math.round(random.next() * 1000) / 1000,
    label: TINY_CLASSES[cls],
    difficulty: random.int(22),
  };
}

export type TinyLayout = 'all-columns' | 'without-label' | 'features-only';

export function tinyLine(row: TinyRow, layout: TinyLayout = 'all-columns'): string {
  const features = [row.duration, row.proto, row.signal, row.noise];
  if (layout === 'features-only') return features.join(',');
  if (layout === 'without-label') return [...features, row.difficulty].join(',');
  return [...features, row.label, row.difficulty].join(',');
}

export function tinyRows(seed: number, n: number): TinyRow[] {
  const random = new Random(seed);
  return Array.from({ length: n }, () => tinyRow(random));
}

/** The schema as a schema file, so `resolveDataset(path)` can read it (the dataset is not built in). */
export async function writeTinySchemaFile(dir: string): Promise<string> {
  const path = join(dir, 'tiny-schema.json');
  await writeFile(
    path,
    JSON.stringify({
      name: 'tiny',
      columns: TINY_SCHEMA.columns,
      taxonomy: { normal: ['normal'], categories: { dos: 'dos', probe: 'probe' } },
      splits: { train: 'train.csv' },
    }),
  );
  return path;
}

/**
 * Trains a real model directory with the project's machinery: the loader, a fitted FeaturePipeline, a
 * 5-tree Random Forest in the calling thread, `saveModelDir`. Takes well under a second.
 */
export async function makeTinyModel(
  dir: string,
  trainRows = 600,
): Promise<{ modelDir: string; schemaFile: string }> {
  const trainPath = join(dir, 'train.csv');
  await writeFile(
    trainPath,
    `${tinyRows(11, trainRows)
      .map((r) => tinyLine(r))
      .join('\n')}\n`,
  );
  const { table } = await loadTable(trainPath, TINY_SCHEMA);
  const y = Int32Array.from({ length: table.nRows }, (_, i) => TINY_CLASSES.indexOf(rawLabelAt(table, i)));
  const pipeline = new FeaturePipeline().fit(table);
  const model = new RandomForestClassifier({ nEstimators: 5, nJobs: 0, seed: 3 });
  await model.fit(pipeline.transform(table).x, y, { nClasses: TINY_CLASSES.length });
  const modelDir = join(dir, 'model');
  await saveModelDir(modelDir, model, pipeline, {
    dataset: 'tiny',
    task: 'attack-cat',
    protocol: 'official',
    seed: 3,
    classes: TINY_CLASSES,
    inputColumns: [...TINY_SCHEMA.columns],
    featureNames: pipeline.featureNames,
  });
  await model.dispose();
  return { modelDir, schemaFile: await writeTinySchemaFile(dir) };
}
