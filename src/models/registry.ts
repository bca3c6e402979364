import { z } from 'zod';
import { IotIdsError, usageError } from '../errors.js';
import type { Classifier } from './estimator.js';
import { FcnnClassifier, type FcnnOptions } from './fcnn/fcnn.js';
import { fcnnOptionsSchema } from './fcnn/options.js';
import { RandomForestClassifier, type RandomForestOptions } from './random-forest/forest.js';
import { saeSoftmaxOptionsSchema, saeSvmOptionsSchema } from './sae/options.js';
import { svmOptionsSchema, type SvmOptions } from './svm/options.js';
import { SvmClassifier } from './svm/svm.js';
import { SaeSoftmaxClassifier, type SaeSoftmaxOptions } from './sae/sae-softmax.js';
import { SaeSvmClassifier, type SaeSvmClassifierOptions } from './sae/sae-svm.js';
import { vaeClassifierOptionsSchema, type VaeClassifierOptions } from './vae/options.js';
import { VaeClassifier } from './vae/vae-classifier.js';
import { BiGruClassifier, type BiGruOptions } from './bigru/bigru.js';
import { biGruOptionsSchema } from './bigru/options.js';
import { VaeBiGruClassifier, type VaeBiGruOptions } from './bigru/vae-bigru.js';
import { vaeBiGruOptionsSchema } from './bigru/vae-bigru-options.js';
import { RfFcnnEnsemble, rfFcnnOptionsSchema, type RfFcnnOptions } from './ensemble/rf-fcnn.js';

/**
 * Every model the CLI knows: how to validate its options (zod, so an error names the field and the allowed
 * values), build it with a seed, and reload it from a model directory.
 */
export interface ModelDescriptor {
  readonly kind: string;
  readonly title: string;
  readonly optionsSchema: z.ZodType<Record<string, unknown>>;
  create(options: Record<string, unknown>, seed: number): Classifier;
  load(dir: string, options: Record<string, unknown>): Promise<Classifier>;
  /**
   * Deep models train in epochs: they get a validation split out of the training data (early stopping),
   * checkpoints, a history and `--resume`.
   */
  readonly trainsInEpochs: boolean;
}

const rfOptions = z
  .object({
    nEstimators: z.number().int().min(1).max(10_000),
    maxDepth: z.number().int().min(1).nullable(),
    minSamplesLeaf: z.number().int().min(1),
    maxFeatures: z.union([z.enum(['sqrt', 'log2']), z.number().positive()]),
    classWeight: z.union([z.literal('balanced'), z.null(), z.array(z.number().nonnegative())]),
    maxBins: z.number().int().min(2).max(256),
    bootstrap: z.boolean(),
    nJobs: z.number().int().min(0).max(64),
  })
  .partial()
  .strict();

const MODELS: Record<string, ModelDescriptor> = {
  rf: {
    kind: 'rf',
    title: 'Random Forest on raw (one-hot, min-max) features',
    optionsSchema: rfOptions,
    trainsInEpochs: false,
    create: (options, seed) =>
      new RandomForestClassifier({ ...(options as Partial<RandomForestOptions>), seed }),
    load: (dir, options) => RandomForestClassifier.load(dir, options),
  },
  svm: {
    kind: 'svm',
    title: 'SVM on raw (one-hot, min-max) features',
    optionsSchema: svmOptionsSchema,
    trainsInEpochs: true,
    create: (options, seed) => new SvmClassifier({ ...(options as Partial<SvmOptions>), seed }),
    load: (dir, options) => SvmClassifier.load(dir, options),
  },
  'sae-softmax': {
    kind: 'sae-softmax',
    title: 'Sparse autoencoder (self-taught, KL sparsity) + softmax, optionally fine-tuned',
    optionsSchema: saeSoftmaxOptionsSchema,
    trainsInEpochs: true,
    create: (options, seed) => new SaeSoftmaxClassifier({ ...(options as Partial<SaeSoftmaxOptions>), seed }),
    load: (dir, options) => SaeSoftmaxClassifier.load(dir, options),
  },
  'sae-svm': {
    kind: 'sae-svm',
    title: 'Sparse autoencoder (self-taught, KL sparsity) + SVM on the codes',
    optionsSchema: saeSvmOptionsSchema,
    trainsInEpochs: true,
    create: (options, seed) =>
      new SaeSvmClassifier({ ...(options as Partial<SaeSvmClassifierOptions>), seed }),
    load: (dir, options) => SaeSvmClassifier.load(dir, options),
  },
  fcnn: {
    kind: 'fcnn',
    title: 'Fully connected network: Dense → BatchNorm → ReLU → Dropout blocks, softmax output',
    optionsSchema: fcnnOptionsSchema,
    trainsInEpochs: true,
    create: (options, seed) => new FcnnClassifier({ ...(options as Partial<FcnnOptions>), seed }),
    load: (dir, options) => FcnnClassifier.load(dir, options),
  },
  vae: {
    kind: 'vae',
    title: 'Variational autoencoder features (posterior mean) + a small softmax head',
    optionsSchema: vaeClassifierOptionsSchema,
    trainsInEpochs: true,
    create: (options, seed) => new VaeClassifier({ ...(options as Partial<VaeClassifierOptions>), seed }),
    load: (dir, options) => VaeClassifier.load(dir, options),
  },
  bigru: {
    kind: 'bigru',
    title: 'Bidirectional GRU over each row read as a sequence (timesteps × featuresPerStep), softmax output',
    optionsSchema: biGruOptionsSchema,
    trainsInEpochs: true,
    create: (options, seed) => new BiGruClassifier({ ...(options as Partial<BiGruOptions>), seed }),
    load: (dir, options) => BiGruClassifier.load(dir, options),
  },
  'vae-bigru': {
    kind: 'vae-bigru',
    title:
      'AUTODEEP-ID: VAE latent features read as a sequence by a bidirectional GRU, optionally fine-tuned',
    optionsSchema: vaeBiGruOptionsSchema,
    trainsInEpochs: true,
    create: (options, seed) => new VaeBiGruClassifier({ ...(options as Partial<VaeBiGruOptions>), seed }),
    load: (dir, options) => VaeBiGruClassifier.load(dir, options),
  },
  'rf-fcnn': {
    kind: 'rf-fcnn',
    title: 'Ensemble: Random Forest + FCNN, soft voting on their class probabilities',
    optionsSchema: rfFcnnOptionsSchema(rfOptions),
    trainsInEpochs: true,
    create: (options, seed) => new RfFcnnEnsemble({ ...(options as Partial<RfFcnnOptions>), seed }),
    load: (dir, options) => RfFcnnEnsemble.load(dir, options),
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

/** Validates user-supplied options for `kind`; `source` names where they came from (a file or flags). */
export function parseModelOptions(kind: string, value: unknown, source: string): Record<string, unknown> {
  const parsed = modelDescriptor(kind).optionsSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw new IotIdsError(`invalid option for model "${kind}": ${issue.message}`, {
      kind: 'usage',
      location: { file: source, field: field || undefined },
    });
  }
  return parsed.data;
}
