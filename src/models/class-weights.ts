import { IotIdsError, usageError } from '../errors.js';

/**
 * scikit-learn's and Keras's 'balanced' class weights, n / (k · count of the class), shared by every model
 * that offers `classWeight: 'balanced'`. An absent class gets 0 instead of n / 0: it has no rows to weigh.
 */
export function balancedClassWeights(y: Int32Array, nClasses: number): Float64Array {
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts.map((count) => (count > 0 ? y.length / (nClasses * count) : 0));
}

/** The weight of each row's class, as the per-row loss weights the training steps take. */
export function rowWeights(y: Int32Array, classWeights: Float64Array): Float32Array {
  return Float32Array.from(y, (label) => classWeights[label]);
}

/** Per-row 'balanced' weights: `rowWeights(y, balancedClassWeights(y, nClasses))`. */
export function balancedRowWeights(y: Int32Array, nClasses: number): Float32Array {
  return rowWeights(y, balancedClassWeights(y, nClasses));
}

/** How 'balanced' weights are softened for very rare classes (a U2R weight of 3,000 : 1 makes training swing). */
export interface ClassWeightTempering {
  /** Each balanced weight is raised to this power: 1 keeps it, 0.5 is its square root, 0 weighs all alike. */
  power?: number;
  /** Weights above this are cut to it (after `power`). Default: no cap. */
  max?: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * 'balanced' weights, tempered: (n / (k · count))^power, capped at `max`. The rows' loss weights are 32-bit,
 * so a weight that is not finite there (a power that blows a rare class's weight past 3.4e38) is an error
 * naming the class, not an Infinity that would turn every loss into NaN.
 */
export function temperedClassWeights(
  y: Int32Array,
  nClasses: number,
  tempering: ClassWeightTempering,
): Float64Array {
  const power = tempering.power ?? 1;
  const max = tempering.max ?? Infinity;
  if (!(power >= 0 && Number.isFinite(power))) {
    throw usageError(`class weight power must be a finite number ≥ 0, got ${power}`);
  }
  if (!(max > 0)) throw usageError(`class weight cap must be > 0, got ${max}`);
  const balanced = balancedClassWeights(y, nClasses);
  return balanced.map((w, c) => {
    if (w === 0) return 0;
    const tempered = Math.min(w ** power, max);
    if (!(tempered <= FLOAT32_MAX)) {
      throw new IotIdsError(
        `class weight of class ${c} overflows: balanced weight ${w.toPrecision(4)} to the power ${power} is ` +
          `${tempered.toPrecision(4)}, beyond a 32-bit loss weight; lower the power or set a cap`,
        { kind: 'usage', location: { field: 'classWeightPower' } },
      );
    }
    return tempered;
  });
}

/** The class-weight options a model offers: 'balanced' or none, optionally tempered. */
export interface ClassWeightOptions {
  classWeight: 'balanced' | null;
  classWeightPower?: number;
  classWeightMax?: number;
}

/**
 * The per-row loss weights of `classWeight` / `classWeightPower` / `classWeightMax`: null without
 * 'balanced', the exact 'balanced' weights when nothing tempers them, the tempered ones otherwise. A power
 * or cap without 'balanced' is a usage error naming `model`, not a setting silently ignored.
 */
export function classWeightedRows(
  model: string,
  o: ClassWeightOptions,
  y: Int32Array,
  nClasses: number,
): Float32Array | null {
  const tempered = o.classWeightPower !== undefined || o.classWeightMax !== undefined;
  if (o.classWeight !== 'balanced') {
    if (tempered)
      throw usageError(`${model}: classWeightPower and classWeightMax need classWeight "balanced"`);
    return null;
  }
  if (!tempered) return balancedRowWeights(y, nClasses);
  return rowWeights(
    y,
    temperedClassWeights(y, nClasses, { power: o.classWeightPower, max: o.classWeightMax }),
  );
}
