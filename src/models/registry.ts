import { usageError } from '../errors.js';
import type { Classifier } from './estimator.js';
import { BiGruClassifier, type BiGruOptions } from './bigru/bigru.js';
import { VaeBiGruClassifier, type VaeBiGruOptions } from './bigru/vae-bigru.js';
import { FcnnClassifier, type FcnnOptions } from './fcnn/fcnn.js';
import { MODEL_LOADERS } from './model-loaders.js';
import { MODEL_OPTIONS, type ModelOptionsSpec } from './model-options.js';
import { RandomForestClassifier, type RandomForestOptions } from './random-forest/forest.js';
import { SaeSoftmaxClassifier, type SaeSoftmaxOptions } from './sae/sae-softmax.js';
import { SaeSvmClassifier, type SaeSvmClassifierOptions } from './sae/sae-svm.js';
import type { SvmOptions } from './svm/options.js';
import { SvmClassifier } from './svm/svm.js';
import type { VaeClassifierOptions } from './vae/options.js';
import { VaeClassifier } from './vae/vae-classifier.js';
import { RfFcnnEnsemble, type RfFcnnOptions } from './ensemble/rf-fcnn.js';

/**
 * Every model the CLI knows: its options schema and defaults (model-options.ts, also loadable without the
 * models), how to build it with a seed, and reload it from a model directory.
 */
export interface ModelDescriptor extends ModelOptionsSpec {
  readonly kind: string;
  readonly title: string;
  create(options: Record<string, unknown>, seed: number): Classifier;
  load(dir: string, options: Record<string, unknown>): Promise<Classifier>;
  /**
   * Deep models train in epochs: they get a validation split out of the training data (early stopping),
   * checkpoints, a history and `--resume`.
   */
  readonly trainsInEpochs: boolean;
}

const MODELS: Record<string, ModelDescriptor> = {
  rf: {
    kind: 'rf',
    title: 'Random Forest on raw (one-hot, min-max) features',
    ...MODEL_OPTIONS.rf,
    trainsInEpochs: false,
    create: (options, seed) =>
      new RandomForestClassifier({ ...(options as Partial<RandomForestOptions>), seed }),
    load: MODEL_LOADERS.rf,
  },
  svm: {
    kind: 'svm',
    title: 'SVM on raw (one-hot, min-max) features',
    ...MODEL_OPTIONS.svm,
    trainsInEpochs: true,
    create: (options, seed) => new SvmClassifier({ ...(options as Partial<SvmOptions>), seed }),
    load: MODEL_LOADERS.svm,
  },
  'sae-softmax': {
    kind: 'sae-softmax',
    title: 'Sparse autoencoder (self-taught, KL sparsity) + softmax, optionally fine-tuned',
    ...MODEL_OPTIONS['sae-softmax'],
    trainsInEpochs: true,
    create: (options, seed) => new SaeSoftmaxClassifier({ ...(options as Partial<SaeSoftmaxOptions>), seed }),
    load: MODEL_LOADERS['sae-softmax'],
  },
  'sae-svm': {
    kind: 'sae-svm',
    title: 'Sparse autoencoder (self-taught, KL sparsity) + SVM on the codes',
    ...MODEL_OPTIONS['sae-svm'],
    trainsInEpochs: true,
    create: (options, seed) =>
      new SaeSvmClassifier({ ...(options as Partial<SaeSvmClassifierOptions>), seed }),
    load: MODEL_LOADERS['sae-svm'],
  },
  fcnn: {
    kind: 'fcnn',
    title: 'Fully connected network: Dense → BatchNorm → ReLU → Dropout blocks, softmax output',
    ...MODEL_OPTIONS.fcnn,
    trainsInEpochs: true,
    create: (options, seed) => new FcnnClassifier({ ...(options as Partial<FcnnOptions>), seed }),
    load: MODEL_LOADERS.fcnn,
  },
  vae: {
    kind: 'vae',
    title: 'Variational autoencoder features (posterior mean) + a small softmax head',
    ...MODEL_OPTIONS.vae,
    trainsInEpochs: true,
    create: (options, seed) => new VaeClassifier({ ...(options as Partial<VaeClassifierOptions>), seed }),
    load: MODEL_LOADERS.vae,
  },
  bigru: {
    kind: 'bigru',
    title: 'Bidirectional GRU over each row read as a sequence (timesteps × featuresPerStep), softmax output',
    ...MODEL_OPTIONS.bigru,
    trainsInEpochs: true,
    create: (options, seed) => new BiGruClassifier({ ...(options as Partial<BiGruOptions>), seed }),
    load: MODEL_LOADERS.bigru,
  },
  'vae-bigru': {
    kind: 'vae-bigru',
    title:
      'AUTODEEP-ID: VAE latent features read as a sequence by a bidirectional GRU, optionally fine-tuned',
    ...MODEL_OPTIONS['vae-bigru'],
    trainsInEpochs: true,
    create: (options, seed) => new VaeBiGruClassifier({ ...(options as Partial<VaeBiGruOptions>), seed }),
    load: MODEL_LOADERS['vae-bigru'],
  },
  'rf-fcnn': {
    kind: 'rf-fcnn',
    title: 'Ensemble: Random Forest + FCNN, soft voting on their class probabilities',
    ...MODEL_OPTIONS['rf-fcnn'],
    trainsInEpochs: true,
    create: (options, seed) => new RfFcnnEnsemble({ ...(options as Partial<RfFcnnOptions>), seed }),
    load: MODEL_LOADERS['rf-fcnn'],
  },
};

export function modelKinds(): string[] {
  return Object.keys(MODELS);
}

export function modelDescriptor(kind: string): ModelDescriptor {
  const descriptor = MODELS[kind];
  if (!descriptor) {
    throw usageError(`unknown model "${kind}"; known models: ${modelKinds().join(', ')}`);
  }
  return descriptor;
}

export { parseModelOptions } from './model-options.js';
