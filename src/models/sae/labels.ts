import { usageError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';

export function checkLabels(model: string, x: Matrix, y: Int32Array, nClasses: number): void {
  if (!Number.isInteger(nClasses) || nClasses < 2) {
    throw usageError(`${model}: nClasses must be an integer ≥ 2, got ${nClasses}`);
  }
  if (y.length !== x.rows) throw usageError(`${model}: ${x.rows} rows but ${y.length} labels`);
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] < nClasses)) {
      throw usageError(`${model}: label ${y[i]} of row ${i} is outside [0, ${nClasses})`);
    }
  }
}

/** scikit-learn's 'balanced' weights n / (k · countᶜ) from the training labels; 0 for an absent class. */
export function balancedClassWeights(y: Int32Array, nClasses: number): Float64Array {
  const counts = new Float64Array(nClasses);
  for (const label of y) counts[label]++;
  return counts.map((count) => (count > 0 ? y.length / (nClasses * count) : 0));
}

/** The weight of each row's class. */
export function rowWeights(y: Int32Array, classWeights: Float64Array): Float32Array {
  return Float32Array.from(y, (label) => classWeights[label]);
}
