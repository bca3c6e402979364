import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import type { Classifier } from './estimator.js';
import { RandomForestClassifier } from './random-forest/forest.js';
import type { RandomForestOptions } from './random-forest/options.js';

/** One model in the shared estimator contract test (contract.test.ts). Add every new model here. */
export interface ContractCase<Options extends object = object> {
  readonly kind: string;
  /** Whether predictProba rows are probabilities summing to 1 (false for margin scores). */
  readonly probabilistic: boolean;
  /** A small, fast configuration of the model, seeded. */
  create(seed: number): Classifier<Options>;
  load(dir: string, options: Options): Promise<Classifier<Options>>;
}

function defineCase<Options extends object>(c: ContractCase<Options>): ContractCase {
  return c;
}

export const contractCases: readonly ContractCase[] = [
  defineCase<RandomForestOptions>({
    kind: 'rf',
    probabilistic: true,
    create: (seed) => new RandomForestClassifier({ nEstimators: 15, nJobs: 0, seed }),
    load: (dir, options) => RandomForestClassifier.load(dir, options),
  }),
];

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
