import { z } from 'zod';
import { IotIdsError, usageError } from '../errors.js';
import type { Classifier } from './estimator.js';
import { RandomForestClassifier, type RandomForestOptions } from './random-forest/forest.js';

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
    create: (options, seed) => new RandomForestClassifier({ ...(options as Partial<RandomForestOptions>), seed }),
    load: (dir, options) => RandomForestClassifier.load(dir, options as unknown as RandomForestOptions),
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
