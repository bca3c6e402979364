import { z } from 'zod';
import { freezeDefaults, resolveOptions } from '../options.js';

/**
 * Options of the variational autoencoder (the feature extractor of AUTODEEP-ID, Khan & William):
 * encoder `encoderUnits` Dense+ReLU layers → mean and log-variance of a `latentSize` Gaussian; decoder the
 * mirror image (`encoderUnits` reversed, Dense+ReLU) → Dense → sigmoid back to the input width.
 */
export interface VaeOptions {
  /** Width of the latent vector (the features `transform` returns). Default 16. */
  latentSize: number;
  /**
   * Width of each encoder Dense+ReLU layer, input side first; the decoder uses them in reverse.
   * Default [64, 32] (122 → 64 → 32 → 16 on NSL-KDD's one-hot, min-max features).
   */
  encoderUnits: number[];
  /**
   * Reconstruction term, summed over the features of a row: 'bce' is the binary cross-entropy of the sigmoid
   * output against the input (needs inputs in [0, 1], as min-max scaling with clipping gives: most features
   * are one-hot or near 0/1); 'mse' is the squared error of the sigmoid output. Default 'bce'.
   */
  reconstruction: 'mse' | 'bce';
  /** Weight of KL(q(z|x) ‖ N(0, I)) in the loss (β-VAE; 1 is the plain VAE, 0 an autoencoder with noise). Default 1. */
  beta: number;
  /** Maximum passes over the training rows. Default 30. */
  epochs: number;
  /**
   * Rows per mini-batch. Default 512: 8–15 % faster per epoch than 256 on this engine, and with the doubled
   * default learning rate its validation loss per epoch on KDDTrain+ matched batch 256 at 0.001
   * (bench/vae.ts --quality 8).
   */
  batchSize: number;
  /** Adam step size. Default 0.002 (see `batchSize`). */
  learningRate: number;
  /**
   * Epochs without a validation-loss improvement (≥ 1e-4) before training stops and the best epoch's
   * weights are put back; needs validation rows (without them all `epochs` run). Default 5.
   */
  patience: number;
  /** Seed of the initial weights, the row order and the reparameterisation noise. Default 1. */
  seed: number;
}

/** The `vae` model kind: VAE features → a small softmax head (documented on VaeClassifier). */
export interface VaeClassifierOptions extends VaeOptions {
  /** Width of each Dense+ReLU layer of the head between the latent mean and the softmax. Default [32]. */
  headUnits: number[];
  /** 'balanced' weighs each row's head loss by n / (k · count of its class); null weighs all rows 1. Default null. */
  classWeight: 'balanced' | null;
}

/** The defaults every unset VAE option takes (documented on VaeOptions). */
export const vaeDefaults = freezeDefaults<VaeOptions>({
  latentSize: 16,
  encoderUnits: [64, 32],
  reconstruction: 'bce',
  beta: 1,
  epochs: 30,
  batchSize: 512,
  learningRate: 2e-3,
  patience: 5,
  seed: 1,
});

/** The defaults of the `vae` model kind (documented on VaeClassifierOptions). */
export const vaeClassifierDefaults = freezeDefaults<VaeClassifierOptions>({
  ...vaeDefaults,
  headUnits: [32],
  classWeight: null,
});

const layerWidths = z.array(z.number().int().min(1).max(65_536)).min(1).max(16);

/** The user-settable VAE options (`seed` comes from the run), as the registry, the CLI and the constructor validate them. */
export const vaeOptionsSchema = z
  .object({
    latentSize: z.number().int().min(1).max(65_536),
    encoderUnits: layerWidths,
    reconstruction: z.enum(['mse', 'bce']),
    beta: z.number().min(0).finite(),
    epochs: z.number().int().min(1).max(100_000),
    batchSize: z.number().int().min(1).max(1_048_576),
    learningRate: z.number().positive().finite(),
    patience: z.number().int().min(1),
  })
  .partial()
  .strict();

export const vaeClassifierOptionsSchema = vaeOptionsSchema
  .extend({
    headUnits: z.array(z.number().int().min(1).max(65_536)).max(16),
    classWeight: z.union([z.literal('balanced'), z.null()]),
  })
  .partial()
  .strict();

/** Fills defaults and rejects invalid values with a usage error naming the option. */
export function resolveVaeOptions(partial: Partial<VaeOptions> = {}): VaeOptions {
  return resolveOptions('vae', vaeOptionsSchema, vaeDefaults, partial);
}

export function resolveVaeClassifierOptions(
  partial: Partial<VaeClassifierOptions> = {},
): VaeClassifierOptions {
  return resolveOptions('vae', vaeClassifierOptionsSchema, vaeClassifierDefaults, partial);
}

/** The VAE part of the classifier's options. */
export function vaePart(options: VaeClassifierOptions): VaeOptions {
  const { headUnits: _headUnits, classWeight: _classWeight, ...vae } = options;
  return vae;
}
