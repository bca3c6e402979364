import { availableParallelism } from 'node:os';
import { usageError } from '../../errors.js';
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

export function defaultRandomForestOptions(): RandomForestOptions {
  return {
    nEstimators: 100,
    maxDepth: null,
    minSamplesLeaf: 1,
    maxFeatures: 'sqrt',
    classWeight: null,
    maxBins: 255,
    bootstrap: true,
    seed: 1,
    nJobs: Math.min(2, availableParallelism()),
  };
}

/** Fills defaults and rejects invalid values with a usage error naming the option. */
export function resolveRandomForestOptions(partial: Partial<RandomForestOptions> = {}): RandomForestOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: RandomForestOptions = { ...defaultRandomForestOptions(), ...defined };
  const known = new Set(Object.keys(defaultRandomForestOptions()));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw usageError(`random forest: unknown option "${key}"`);
  }
  requireInteger('nEstimators', o.nEstimators, 1);
  if (o.maxDepth !== null) requireInteger('maxDepth', o.maxDepth, 1);
  requireInteger('minSamplesLeaf', o.minSamplesLeaf, 1);
  requireInteger('maxBins', o.maxBins, 2, 256);
  requireInteger('nJobs', o.nJobs, 0);
  requireInteger('seed', o.seed, Number.MIN_SAFE_INTEGER);
  if (typeof o.bootstrap !== 'boolean')
    throw usageError(`random forest: option "bootstrap" must be a boolean`);
  const mf = o.maxFeatures;
  if (typeof mf === 'number') {
    if (!Number.isFinite(mf) || mf <= 0 || (mf > 1 && !Number.isInteger(mf))) {
      throw usageError(
        `random forest: option "maxFeatures" must be 'sqrt', 'log2', an integer count ≥ 2 or a fraction in (0, 1], got ${mf}`,
      );
    }
  } else if (mf !== 'sqrt' && mf !== 'log2') {
    throw usageError(
      `random forest: option "maxFeatures" must be 'sqrt', 'log2' or a number, got ${String(mf)}`,
    );
  }
  const cw = o.classWeight;
  if (Array.isArray(cw)) {
    if (cw.length === 0 || cw.some((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0)) {
      throw usageError(`random forest: option "classWeight" must hold finite weights ≥ 0, one per class`);
    }
    if (!cw.some((w) => w > 0)) throw usageError(`random forest: option "classWeight" needs a weight > 0`);
  } else if (cw !== null && cw !== 'balanced') {
    throw usageError(`random forest: option "classWeight" must be 'balanced', null or an array of weights`);
  }
  return o;
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

function requireInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw usageError(`random forest: option "${name}" must be an integer ${range}, got ${String(value)}`);
  }
}
