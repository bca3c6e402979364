import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { usageError } from '../../errors.js';
import { freezeDefaults, resolveOptions } from '../options.js';
import { balancedClassWeights } from '../class-weights.js';

/** Options of the histogram-binned random forest (names follow scikit-learn's RandomForestClassifier). */
export interface RandomForestOptions {
  /** Number of trees. Default 100. */
  nEstimators: number;
  /** Maximum depth (the root is depth 0); null grows until leaves are pure or too small. Default null. */
  maxDepth: number | null;
  /** Minimum distinct training rows per leaf. Default 1. */
  minSamplesLeaf: number;
  /**
   * Features tried per split: 'sqrt' | 'log2' | a count (integer ≥ 2) | a fraction in (0, 1]. `1` means the
   * fraction 1.0, i.e. every feature (plain bagging), as scikit-learn's `1.0`. Default 'sqrt'.
   */
  maxFeatures: 'sqrt' | 'log2' | number;
  /** 'balanced' (n / (k · count_c)) | null | one weight per class. Default null. */
  classWeight: 'balanced' | null | number[];
  /** Histogram bins per feature, 2–256 (bins are stored as bytes). Default 255. */
  maxBins: number;
  /** Draw a bootstrap sample (n rows with replacement) per tree. Default true. */
  bootstrap: boolean;
  /** Seed; the same seed gives the same forest whatever the number of workers. Default 1. */
  seed: number;
  /** Worker threads; 0 trains in the calling thread. Default min(2, os.availableParallelism()). */
  nJobs: number;
}

/** The defaults every unset option takes (documented on RandomForestOptions). */
export const randomForestDefaults = freezeDefaults<RandomForestOptions>({
  nEstimators: 100,
  maxDepth: null,
  minSamplesLeaf: 1,
  maxFeatures: 'sqrt',
  classWeight: null,
  maxBins: 255,
  bootstrap: true,
  seed: 1,
  nJobs: Math.min(2, availableParallelism()),
});

/**
 * The user-settable options (`seed` comes from the run), as the registry, the CLI and the constructor
 * validate them. Bounds beyond the documented ones keep a typo from starting a run that cannot end:
 * at most 10 000 trees and 64 worker threads.
 */
export const randomForestOptionsSchema = z
  .object({
    nEstimators: z.number().int().min(1).max(10_000),
    maxDepth: z.number().int().min(1).nullable(),
    minSamplesLeaf: z.number().int().min(1),
    maxFeatures: z.union([
      z.enum(['sqrt', 'log2']),
      z
        .number()
        .positive()
        .refine((v) => v <= 1 || Number.isInteger(v), {
          message: 'must be an integer count ≥ 2 or a fraction in (0, 1]',
        }),
    ]),
    classWeight: z.union([
      z.literal('balanced'),
      z.null(),
      z
        .array(z.number().nonnegative())
        .min(1)
        .refine((weights) => weights.some((w) => w > 0), { message: 'needs a weight > 0' }),
    ]),
    maxBins: z.number().int().min(2).max(256),
    bootstrap: z.boolean(),
    nJobs: z.number().int().min(0).max(64),
  })
  .partial()
  .strict();

/** Fills defaults and rejects invalid values with a usage error naming the option. */
export function resolveRandomForestOptions(partial: Partial<RandomForestOptions> = {}): RandomForestOptions {
  return resolveOptions('random forest', randomForestOptionsSchema, randomForestDefaults, partial);
}

/** Number of features tried per split for a matrix of `nFeatures` columns. */
export function featuresPerSplit(maxFeatures: RandomForestOptions['maxFeatures'], nFeatures: number): number {
  let m: number;
  if (maxFeatures === 'sqrt') m = Math.floor(Math.sqrt(nFeatures));
  else if (maxFeatures === 'log2') m = Math.floor(Math.log2(nFeatures));
  else if (maxFeatures <= 1) m = Math.floor(maxFeatures * nFeatures);
  else m = maxFeatures;
  if (m > nFeatures) {
    throw usageError(
      `random forest: option "maxFeatures" is ${m} but the data has only ${nFeatures} features`,
    );
  }
  return Math.max(1, m);
}

/** Per-class weights multiplying each row's bootstrap count. */
export function resolveClassWeights(
  classWeight: RandomForestOptions['classWeight'],
  y: Int32Array,
  nClasses: number,
): Float64Array {
  const weights = new Float64Array(nClasses).fill(1);
  if (classWeight === 'balanced') {
    weights.set(balancedClassWeights(y, nClasses));
  } else if (Array.isArray(classWeight)) {
    if (classWeight.length !== nClasses) {
      throw usageError(
        `random forest: option "classWeight" has ${classWeight.length} weights but there are ${nClasses} classes`,
      );
    }
    weights.set(classWeight);
  }
  return weights;
}
