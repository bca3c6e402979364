import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';

/**
 * A small, fast configuration of every model kind for the shared estimator contract test (contract.test.ts),
 * as the options a user would pass: the test builds each model through the registry. The test iterates the
 * registry and fails for a kind without an entry here.
 */
export const CONTRACT_OPTIONS: Readonly<Record<string, Record<string, unknown>>> = {
  rf: { nEstimators: 15, nJobs: 0 },
  'sae-softmax': { hiddenUnits: 8, epochs: 6, batchSize: 32, learningRate: 0.03 },
  'sae-svm': { hiddenUnits: 16, epochs: 6, batchSize: 32, learningRate: 0.03, svm: { learningRate: 0.05 } },
  fcnn: { hiddenUnits: [16, 8], batchSize: 64, epochs: 6, learningRate: 0.01 },
  svm: { epochs: 5 },
  // The blobs are not in [0, 1]: squared-error reconstruction, and a light KL weight so the sigmoid
  // decoder's poor fit of unbounded values does not push the posterior onto the prior.
  vae: {
    latentSize: 4,
    encoderUnits: [16],
    reconstruction: 'mse',
    beta: 0.01,
    headUnits: [8],
    batchSize: 64,
    epochs: 8,
    learningRate: 0.01,
  },
  // Width 6 read as 3 steps of 2 values.
  bigru: { timesteps: 3, featuresPerStep: 2, units: 8, batchSize: 32, epochs: 6, learningRate: 0.01 },
  // Tiny: a 4-wide latent read as 2 steps of 2; blobs are unbounded, so squared-error reconstruction.
  'vae-bigru': {
    vae: { latentSize: 4, encoderUnits: [16], reconstruction: 'mse', beta: 0.01, epochs: 6 },
    bigru: { timesteps: 2, featuresPerStep: 2, units: 8, epochs: 8 },
    fineTune: true,
    fineTuneEpochs: 2,
    batchSize: 64,
    learningRate: 0.01,
  },
  'rf-fcnn': {
    rf: { nEstimators: 10, nJobs: 0 },
    fcnn: { hiddenUnits: [16, 8], batchSize: 64, epochs: 6, learningRate: 0.01 },
  },
};

export interface SyntheticSet {
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly nClasses: number;
}

/**
 * Gaussian blobs: class c is centred at `separation` along feature c mod `features`, unit variance around
 * it, classes in turn row by row.
 */
export function gaussianBlobs(options: {
  seed: number;
  rows: number;
  features: number;
  classes: number;
  separation?: number;
}): SyntheticSet {
  const { seed, rows, features, classes, separation = 3 } = options;
  const random = new Random(seed);
  const data = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    y[i] = c;
    for (let f = 0; f < features; f++) {
      data[i * features + f] = random.normal() + (f === c % features ? separation : 0);
    }
  }
  return { x: createMatrix(rows, features, data), y, nClasses: classes };
}
