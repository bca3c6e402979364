import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import { BiGruClassifier, type BiGruOptions } from './bigru/bigru.js';
import { VaeBiGruClassifier, type VaeBiGruOptions } from './bigru/vae-bigru.js';
import type { Classifier } from './estimator.js';
import { FcnnClassifier, type FcnnOptions } from './fcnn/fcnn.js';
import { RandomForestClassifier } from './random-forest/forest.js';
import type { RandomForestOptions } from './random-forest/options.js';
import { SaeSoftmaxClassifier, type SaeSoftmaxOptions } from './sae/sae-softmax.js';
import { SaeSvmClassifier, type SaeSvmClassifierOptions } from './sae/sae-svm.js';
import { SvmClassifier, type SvmOptions } from './svm/svm.js';
import { VaeClassifier, type VaeClassifierOptions } from './vae/vae-classifier.js';

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
  defineCase<SaeSoftmaxOptions>({
    kind: 'sae-softmax',
    probabilistic: true,
    create: (seed) =>
      new SaeSoftmaxClassifier({ hiddenUnits: 8, epochs: 6, batchSize: 32, learningRate: 0.03, seed }),
    load: (dir, options) => SaeSoftmaxClassifier.load(dir, options),
  }),
  defineCase<SaeSvmClassifierOptions>({
    kind: 'sae-svm',
    probabilistic: false,
    create: (seed) =>
      new SaeSvmClassifier({
        hiddenUnits: 16,
        epochs: 6,
        batchSize: 32,
        learningRate: 0.03,
        svm: { learningRate: 0.05 },
        seed,
      }),
    load: (dir, options) => SaeSvmClassifier.load(dir, options),
  }),
  defineCase<FcnnOptions>({
    kind: 'fcnn',
    probabilistic: true,
    create: (seed) =>
      new FcnnClassifier({ hiddenUnits: [16, 8], batchSize: 64, epochs: 6, learningRate: 0.01, seed }),
    load: (dir, options) => FcnnClassifier.load(dir, options),
  }),
  defineCase<SvmOptions>({
    kind: 'svm',
    probabilistic: false,
    create: (seed) => new SvmClassifier({ epochs: 5, seed }),
    load: (dir, options) => SvmClassifier.load(dir, options),
  }),
  defineCase<VaeClassifierOptions>({
    kind: 'vae',
    probabilistic: true,
    // The blobs are not in [0, 1]: squared-error reconstruction, and a light KL weight so the sigmoid
    // decoder's poor fit of unbounded values does not push the posterior onto the prior.
    create: (seed) =>
      new VaeClassifier({
        latentSize: 4,
        encoderUnits: [16],
        reconstruction: 'mse',
        beta: 0.01,
        headUnits: [8],
        batchSize: 64,
        epochs: 8,
        learningRate: 0.01,
        seed,
      }),
    load: (dir, options) => VaeClassifier.load(dir, options),
  }),
  defineCase<BiGruOptions>({
    kind: 'bigru',
    probabilistic: true,
    // Width 6 read as 3 steps of 2 values.
    create: (seed) =>
      new BiGruClassifier({
        timesteps: 3,
        featuresPerStep: 2,
        units: 8,
        batchSize: 32,
        epochs: 6,
        learningRate: 0.01,
        seed,
      }),
    load: (dir, options) => BiGruClassifier.load(dir, options),
  }),
  defineCase<VaeBiGruOptions>({
    kind: 'vae-bigru',
    probabilistic: true,
    // Tiny: a 4-wide latent read as 2 steps of 2; blobs are unbounded, so squared-error reconstruction.
    create: (seed) =>
      new VaeBiGruClassifier({
        vae: { latentSize: 4, encoderUnits: [16], reconstruction: 'mse', beta: 0.01, epochs: 6 },
        bigru: { timesteps: 2, featuresPerStep: 2, units: 8, epochs: 8 },
        fineTune: true,
        fineTuneEpochs: 2,
        batchSize: 64,
        learningRate: 0.01,
        seed,
      }),
    load: (dir, options) => VaeBiGruClassifier.load(dir, options),
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
