/**
 * A refactoring guard, not a speed benchmark: trains every model kind on a small deterministic slice of
 * NSL-KDD (the first rows of KDDTrain+_20Percent through the real loader and pipeline, a fixed validation
 * slice, one seed), scores the first rows of KDDTest+ and prints a SHA-256 of each model's scores
 * (probabilities, or the SVMs' margins; the raw float32 bytes). Run it before and after a change that must
 * not move any figure: equal hashes mean bit-identical scores.
 *
 *   IOT_IDS_DATA_DIR=/work/shared/data node --import tsx bench/probability-hashes.ts [--only fcnn,rf] [--dump dir]
 * Prints one JSON line and one human line per model on stdout. `--dump` also writes each model's scores
 * (`<kind>.f32`, raw float32) so the size of a change can be measured when a hash moves.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scoresOf } from '../src/models/estimator.js';
import { modelDescriptor } from '../src/models/registry.js';
import { createMatrix, type Matrix } from '../src/preprocess/matrix.js';
import { nslKddMatrices } from './lib/nsl-kdd-matrices.js';

const TRAIN_ROWS = 2000;
const VALIDATION_ROWS = 400;
const TEST_ROWS = 1000;
const SEED = 3;

/** Small, fast configurations that still run every stage (pre-training, fine-tuning, early stopping). */
const CONFIGS: Record<string, Record<string, unknown>> = {
  rf: { nEstimators: 20, nJobs: 0 },
  svm: { epochs: 3 },
  'sae-softmax': { hiddenUnits: 16, epochs: 3, batchSize: 64, fineTune: true },
  'sae-svm': { hiddenUnits: 16, epochs: 3, batchSize: 64 },
  fcnn: { hiddenUnits: [32, 16], epochs: 4, batchSize: 64 },
  vae: { latentSize: 8, encoderUnits: [32], epochs: 3, headUnits: [16], batchSize: 64 },
  bigru: { featuresPerStep: 59, units: 8, epochs: 3, batchSize: 64 },
  'vae-bigru': {
    vae: { latentSize: 8, encoderUnits: [32], epochs: 3 },
    bigru: { timesteps: 4, featuresPerStep: 2, units: 8, epochs: 3 },
    fineTune: true,
    fineTuneEpochs: 2,
    batchSize: 64,
  },
};

const { values: args } = parseArgs({ options: { only: { type: 'string' }, dump: { type: 'string' } } });
const kinds = args.only ? args.only.split(',') : Object.keys(CONFIGS);

function firstRows(m: Matrix, from: number, count: number): Matrix {
  return createMatrix(count, m.cols, m.data.slice(from * m.cols, (from + count) * m.cols));
}

const { train, test } = await nslKddMatrices('KDDTrain+_20Percent', 'KDDTest+');
const fitX = firstRows(train.x, 0, TRAIN_ROWS);
const fitY = train.y.slice(0, TRAIN_ROWS);
const validation = {
  x: firstRows(train.x, TRAIN_ROWS, VALIDATION_ROWS),
  y: train.y.slice(TRAIN_ROWS, TRAIN_ROWS + VALIDATION_ROWS),
};
const testX = firstRows(test.x, 0, TEST_ROWS);

const hashes: Record<string, string> = {};
for (const kind of kinds) {
  const descriptor = modelDescriptor(kind);
  const options = descriptor.optionsSchema.parse(CONFIGS[kind]);
  const model = descriptor.create(options, SEED);
  try {
    await model.fit(fitX, fitY, {
      nClasses: train.classes.length,
      validation: descriptor.trainsInEpochs ? validation : undefined,
    });
    // The model's own scores (margins for the SVMs), as evaluation ranks them.
    const scores = await scoresOf(model, testX);
    const bytes = new Uint8Array(scores.data.buffer, scores.data.byteOffset, scores.data.byteLength);
    hashes[kind] = createHash('sha256').update(bytes).digest('hex');
    if (args.dump) {
      await mkdir(args.dump, { recursive: true });
      await writeFile(join(args.dump, `${kind}.f32`), bytes);
    }
  } finally {
    await model.dispose();
  }
}

process.stdout.write(`${JSON.stringify({ bench: 'probability-hashes', seed: SEED, hashes })}\n`);
for (const [kind, hash] of Object.entries(hashes)) process.stdout.write(`${kind.padEnd(12)} ${hash}\n`);
