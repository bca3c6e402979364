import { z } from 'zod';
import { freezeDefaults, resolveOptions } from '../options.js';
import { resolveVaeOptions, vaeOptionsSchema, type VaeOptions } from '../vae/options.js';
import { biGruOptionsSchema, resolveBiGruOptions, type BiGruOptions } from './options.js';

/**
 * Options of the `vae-bigru` composite (AUTODEEP-ID, Khan & William): a VAE learns a latent vector per row
 * (its posterior mean), a bidirectional GRU classifies the latent vector read as a sequence, and optionally
 * both are fine-tuned end to end.
 *
 * The sequence shape defaults to latentSize × 1 (16 × 1 for the default latent size): the coordinates of a
 * VAE's latent vector have no order or grouping of their own, so one coordinate per step imposes none and
 * lets the gates weigh every coordinate separately, and reading the sequence both ways removes the
 * dependence on which end comes first. `bigru: { timesteps: 4, featuresPerStep: 4 }` groups four
 * coordinates per step instead: a quarter of the sequential steps, so several times faster, at the price
 * of an arbitrary grouping. Either must multiply out to `vae.latentSize`; fit checks that before training.
 *
 * The generic `epochs`, `batchSize`, `learningRate`, `patience` (the CLI's --epochs, --batch-size, …) and
 * `classWeight` (with `classWeightPower` / `classWeightMax`) apply to every part that does not set its own value.
 */
export interface VaeBiGruOptions {
  /** Options of the VAE (see VaeOptions); `seed` comes from this model's seed. Default {} (latentSize 16). */
  vae: Partial<VaeOptions>;
  /** Options of the BiGRU (see BiGruOptions); `seed` comes from this model's seed. Default {} (latentSize × 1, 32 units). */
  bigru: Partial<BiGruOptions>;
  /**
   * Grow the minority classes of the training rows' latent vectors with SMOTE (src/preprocess/smote.ts)
   * before the BiGRU stage; validation rows are never resampled. Default false.
   */
  smoteLatent: boolean;
  /**
   * With `smoteLatent`, each smaller class grows to round(smoteRatio × the largest class's count). Default 1
   * (full balance; on KDD Cup 99 10 % that adds ~680 k synthetic rows, so lower values train much faster).
   */
  smoteRatio: number;
  /**
   * After the BiGRU stage, train encoder and BiGRU together (stage 'finetune') on the original rows: the
   * classification loss flows back into the VAE encoder's mean path. Synthetic SMOTE rows have no input
   * row, so with `smoteLatent` this stage weighs rows by 'balanced' class weights instead. Default false.
   */
  fineTune: boolean;
  /** Epochs of the fine-tuning stage. Default null: the BiGRU's `epochs`. */
  fineTuneEpochs: number | null;
  /** Adam step size of the fine-tuning stage. Default null: the BiGRU's learning rate / 10. */
  fineTuneLearningRate: number | null;
  /** Default for every part's `epochs`. Default undefined: each part's own default. */
  epochs?: number;
  /** Default for every part's `batchSize`. Default undefined: each part's own default. */
  batchSize?: number;
  /** Default for every part's `learningRate`. Default undefined: each part's own default. */
  learningRate?: number;
  /** Default for every part's `patience`. Default undefined: each part's own default. */
  patience?: number;
  /** Default for the BiGRU's `classWeight`. Default undefined: the BiGRU's default (null). */
  classWeight?: 'balanced' | null;
  /** Default for the BiGRU's `classWeightPower` (tempering of 'balanced'). Default undefined: none. */
  classWeightPower?: number;
  /** Default for the BiGRU's `classWeightMax` (cap of 'balanced'). Default undefined: none. */
  classWeightMax?: number;
  /** Seed of every part (VAE, SMOTE, BiGRU). Default 1. */
  seed: number;
}

const positiveInt = z.number().int().min(1);

/** The user-settable options (`seed` comes from the run), as the registry, the CLI and the constructor validate them. */
export const vaeBiGruOptionsSchema = z
  .object({
    vae: vaeOptionsSchema,
    bigru: biGruOptionsSchema,
    smoteLatent: z.boolean(),
    smoteRatio: z.number().positive().finite(),
    fineTune: z.boolean(),
    fineTuneEpochs: positiveInt.max(100_000).nullable(),
    fineTuneLearningRate: z.number().positive().finite().nullable(),
    epochs: positiveInt.max(100_000),
    batchSize: positiveInt.max(1_048_576),
    learningRate: z.number().positive().finite(),
    patience: positiveInt,
    classWeight: z.union([z.literal('balanced'), z.null()]),
    classWeightPower: z.number().min(0).finite(),
    classWeightMax: z.number().positive(),
  })
  .partial()
  .strict();

/** The composite's own defaults (the parts' are vaeDefaults and biGruDefaults). */
export const vaeBiGruDefaults = freezeDefaults<VaeBiGruOptions>({
  vae: {},
  bigru: {},
  smoteLatent: false,
  smoteRatio: 1,
  fineTune: false,
  fineTuneEpochs: null,
  fineTuneLearningRate: null,
  seed: 1,
});

/** Validates and fills the composite's own defaults (the parts keep what the user gave them). */
export function resolveVaeBiGruOptions(partial: Partial<VaeBiGruOptions> = {}): VaeBiGruOptions {
  return resolveOptions('vae-bigru', vaeBiGruOptionsSchema, vaeBiGruDefaults, partial);
}

/** The generic options that apply to a part unless it sets its own. */
function shared(
  o: VaeBiGruOptions,
): Partial<Pick<BiGruOptions, 'epochs' | 'batchSize' | 'learningRate' | 'patience'>> {
  const values = {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    patience: o.patience,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

export function vaePartOptions(o: VaeBiGruOptions): VaeOptions {
  return resolveVaeOptions({ ...shared(o), ...o.vae, seed: o.seed });
}

export function biGruPartOptions(o: VaeBiGruOptions): BiGruOptions {
  const weights = Object.fromEntries(
    Object.entries({
      classWeight: o.classWeight,
      classWeightPower: o.classWeightPower,
      classWeightMax: o.classWeightMax,
    }).filter(([, v]) => v !== undefined),
  );
  return resolveBiGruOptions({ ...shared(o), ...weights, ...o.bigru, seed: o.seed }, 'vae-bigru');
}
