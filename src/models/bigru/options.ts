import { z } from 'zod';
import { usageError } from '../../errors.js';
import { freezeDefaults, resolveOptions } from '../options.js';

/**
 * Options of the bidirectional GRU classifier: each input row is read as a sequence of `timesteps` steps of
 * `featuresPerStep` values (row-major: step t holds columns t·featuresPerStep … (t+1)·featuresPerStep − 1),
 * a GRU reads it forwards and another backwards, their final states are concatenated and a dense softmax
 * layer classifies them. Trained with Adam on (optionally class-weighted) categorical cross-entropy.
 */
export interface BiGruOptions {
  /**
   * Steps each row is read as. Default null: the input width divided by `featuresPerStep` (which must divide
   * it). When set, timesteps × featuresPerStep must equal the input width.
   */
  timesteps: number | null;
  /** Values per step. Default 1: every input column is a step of its own. */
  featuresPerStep: number;
  /** GRU units per direction; the classifier sees 2 × units values. Default 32. */
  units: number;
  /**
   * Where the reset gate acts in the candidate state: true computes tanh(Wₙx + r ⊙ (Uₙh + bₙ)), the
   * convention of PyTorch, cuDNN and Keras ≥ 2.3 (one recurrent product per step); false computes
   * tanh(Wₙx + Uₙ(r ⊙ h)), the convention of tf.layers.gru (two recurrent products per step). Default true.
   */
  resetAfter: boolean;
  /** Adam step size. Default 0.001. */
  learningRate: number;
  /**
   * Rows per mini-batch. Default 256: on this engine an epoch costs about the same CPU time at any batch
   * from 128 to 1024 (the work per row does not shrink with the batch), and on NSL-KDD latent sequences
   * four epochs at 256 reached a validation loss of 0.33 against 0.55 at 1024 (bench/bigru.ts).
   */
  batchSize: number;
  /** Maximum passes over the training rows. Default 30. */
  epochs: number;
  /**
   * Epochs without a validation-loss improvement (≥ 1e-4) before training stops and the best epoch's weights
   * are put back; needs a validation set (without one, all `epochs` run). Default 5.
   */
  patience: number;
  /** 'balanced' weighs each row's loss by n / (k · count of its class); null weighs all rows 1. Default null. */
  classWeight: 'balanced' | null;
  /**
   * With 'balanced': each class weight is raised to this power (0.5 = square root, so a 3,000 : 1 weight
   * becomes ≈ 55 : 1). Default 1 (unchanged).
   */
  classWeightPower?: number;
  /** With 'balanced': class weights above this are cut to it (after the power). Default: no cap. */
  classWeightMax?: number;
  /** Seed of the initial weights and the row order. Default 1. */
  seed: number;
}

/** The defaults every unset option takes (documented on BiGruOptions). */
export const biGruDefaults = freezeDefaults<BiGruOptions>({
  timesteps: null,
  featuresPerStep: 1,
  units: 32,
  resetAfter: true,
  learningRate: 1e-3,
  batchSize: 256,
  epochs: 30,
  patience: 5,
  classWeight: null,
  seed: 1,
});

/** The user-settable options (`seed` comes from the run), as the registry, the CLI and the constructor validate them. */
export const biGruOptionsSchema = z
  .object({
    timesteps: z.number().int().min(1).max(100_000).nullable(),
    featuresPerStep: z.number().int().min(1).max(100_000),
    units: z.number().int().min(1).max(4096),
    resetAfter: z.boolean(),
    learningRate: z.number().positive().finite(),
    batchSize: z.number().int().min(1).max(1_048_576),
    epochs: z.number().int().min(1).max(100_000),
    patience: z.number().int().min(1),
    classWeight: z.union([z.literal('balanced'), z.null()]),
    classWeightPower: z.number().min(0).finite(),
    classWeightMax: z.number().positive(),
  })
  .partial()
  .strict();

/** Fills defaults and rejects invalid values with a usage error naming the option. */
export function resolveBiGruOptions(partial: Partial<BiGruOptions> = {}, model = 'bigru'): BiGruOptions {
  return resolveOptions(model, biGruOptionsSchema, biGruDefaults, partial);
}

/** The sequence shape of a row of `width` values, or a usage error naming both figures when they do not fit. */
export function sequenceShape(
  options: Pick<BiGruOptions, 'timesteps' | 'featuresPerStep'>,
  width: number,
  what = 'the input',
  model = 'bigru',
): { timesteps: number; featuresPerStep: number } {
  const { featuresPerStep } = options;
  if (options.timesteps === null) {
    if (width % featuresPerStep !== 0) {
      throw usageError(
        `${model}: ${what} has ${width} values per row, which featuresPerStep ${featuresPerStep} does not divide; set timesteps × featuresPerStep to ${width}`,
      );
    }
    return { timesteps: width / featuresPerStep, featuresPerStep };
  }
  if (options.timesteps * featuresPerStep !== width) {
    throw usageError(
      `${model}: ${what} has ${width} values per row, but timesteps ${options.timesteps} × featuresPerStep ${featuresPerStep} = ${options.timesteps * featuresPerStep}; the two must multiply out to ${width}`,
    );
  }
  return { timesteps: options.timesteps, featuresPerStep };
}
