import { z } from 'zod';

import { freezeDefaults, resolveOptions } from '../options.js';
import { svmOptionsSchema } from '../svm/options.js';

/**
 * Options of the sparse autoencoder (self-taught learning: features learnt without labels, after Ng's
 * sparse autoencoder notes, which the defaults rho / beta / weightDecay follow).
 */
export interface SparseAutoencoderOptions {
  /** Code size: hidden units of the one-layer encoder. Default 64. */
  hiddenUnits: number;
  /**
   * Sparsity penalty on the (sigmoid) hidden activations: 'kl' adds β·Σⱼ KL(ρ ‖ ρ̂ⱼ) with ρ̂ⱼ the mean
   * activation of unit j over the batch; 'l1' adds l1 · mean over rows of Σⱼ hⱼ. Sigmoid units make a
   * mean activation a probability, which is what the KL target needs. Default 'kl'.
   */
  sparsity: 'kl' | 'l1';
  /** Target mean activation ρ of every hidden unit (KL). Default 0.05. */
  rho: number;
  /**
   * Weight β of the KL term. 3 is Ng's value for the ½‖r − x‖²-per-row reconstruction used here; the KL
   * term is summed over units, so β trades a whole row's reconstruction against the code's sparsity.
   * Default 3.
   */
  beta: number;
  /** Weight of the L1 activity term (sparsity 'l1'). Default 0.01. */
  l1: number;
  /** L2 weight decay λ: (λ/2)·Σ‖W‖² over the kernels (not the biases). Default 1e-4. */
  weightDecay: number;
  /** Most epochs per stage; early stopping usually ends a stage sooner. Default 30. */
  epochs: number;
  /**
   * Rows per mini-batch. Default 1024: on KDDTrain+ it reached the validation loss of batch 256 (with
   * learningRate 0.01) in a third less time (bench/sae.ts has the per-epoch figures).
   */
  batchSize: number;
  /** Adam step size of pretraining and of the classifier stage. Default 0.02 (for batch 1024). */
  learningRate: number;
  /** Epochs without validation improvement before a stage stops (its best weights are kept). Default 4. */
  patience: number;
  /** Seed of initialisation and batch order. Default 1. */
  seed: number;
}

export interface SaeSoftmaxOptions extends SparseAutoencoderOptions {
  /** 'balanced' weighs each class by n / (k · count): rare attack classes count as much as the rest. Default null. */
  classWeight: 'balanced' | null;
  /**
   * After the softmax stage, train encoder and softmax together ('finetune' stage, learning rate
   * `fineTuneLearningRate`). Default true: on a validation split of KDDTrain+_20Percent (defaults otherwise) it
   * halved the validation cross-entropy (0.108 after the classifier stage → 0.055) and raised validation
   * accuracy from 96.8 % to 98.1 %.
   */
  fineTune: boolean;
  /** Adam step size of fine-tuning; null means learningRate / 10. Default null. */
  fineTuneLearningRate: number | null;
}

/** The SVM's own options (src/models/svm/svm.ts), nested so the names do not clash with the autoencoder's. */
export interface SaeSvmOptions<
  SvmOptions extends object = Record<string, unknown>,
> extends SparseAutoencoderOptions {
  /**
   * Options of the SVM on the codes. Unset `epochs` and `patience` follow the top-level ones, an unset
   * `seed` is derived from the top-level seed; everything else keeps the SVM's defaults. Default {}.
   */
  svm: Partial<SvmOptions>;
}

/** The defaults every unset option takes (documented on SparseAutoencoderOptions). */
export const sparseAutoencoderDefaults = freezeDefaults<SparseAutoencoderOptions>({
  hiddenUnits: 64,
  sparsity: 'kl',
  rho: 0.05,
  beta: 3,
  l1: 0.01,
  weightDecay: 1e-4,
  epochs: 30,
  batchSize: 1024,
  learningRate: 0.02,
  patience: 4,
  seed: 1,
});

/** The defaults of `sae-softmax` (documented on SaeSoftmaxOptions). */
export const saeSoftmaxDefaults = freezeDefaults<SaeSoftmaxOptions>({
  ...sparseAutoencoderDefaults,
  classWeight: null,
  fineTune: true,
  fineTuneLearningRate: null,
});

/** The defaults of `sae-svm`: the autoencoder's, and no SVM option of its own (see SaeSvmOptions.svm). */
export const saeSvmDefaults = freezeDefaults<SaeSvmOptions>({ ...sparseAutoencoderDefaults, svm: {} });

/**
 * The user-settable autoencoder options (`seed` comes from the run), as the registry, the CLI and the
 * constructor validate them.
 */
export const sparseAutoencoderOptionsSchema = z
  .object({
    hiddenUnits: z.number().int().min(1).max(4096),
    sparsity: z.enum(['kl', 'l1']),
    rho: z.number().gt(0).lt(1),
    beta: z.number().min(0),
    l1: z.number().min(0),
    weightDecay: z.number().min(0),
    epochs: z.number().int().min(1),
    batchSize: z.number().int().min(1),
    learningRate: z.number().positive(),
    patience: z.number().int().min(1),
  })
  .partial()
  .strict();

export const saeSoftmaxOptionsSchema = sparseAutoencoderOptionsSchema
  .extend({
    classWeight: z.union([z.literal('balanced'), z.null()]),
    fineTune: z.boolean(),
    fineTuneLearningRate: z.number().positive().nullable(),
  })
  .partial()
  .strict();

/** The nested `svm` options of sae-svm: the svm model's own options, plus a seed of its own. */
export const nestedSvmOptionsSchema = svmOptionsSchema.extend({ seed: z.number().int().optional() }).strict();

export const saeSvmOptionsSchema = sparseAutoencoderOptionsSchema
  .extend({ svm: nestedSvmOptionsSchema })
  .partial()
  .strict();

/** Fills defaults and rejects invalid values with a usage error naming the option. */
export function resolveSparseAutoencoderOptions(
  partial: Partial<SparseAutoencoderOptions> = {},
  model = 'sparse autoencoder',
): SparseAutoencoderOptions {
  return resolveOptions(model, sparseAutoencoderOptionsSchema, sparseAutoencoderDefaults, partial);
}

export function resolveSaeSoftmaxOptions(partial: Partial<SaeSoftmaxOptions> = {}): SaeSoftmaxOptions {
  return resolveOptions('sae-softmax', saeSoftmaxOptionsSchema, saeSoftmaxDefaults, partial);
}

export function resolveSaeSvmOptions<SvmOptions extends object>(
  partial: Partial<SaeSvmOptions<SvmOptions>> = {},
): SaeSvmOptions<SvmOptions> {
  return resolveOptions('sae-svm', saeSvmOptionsSchema, saeSvmDefaults as SaeSvmOptions<SvmOptions>, partial);
}
