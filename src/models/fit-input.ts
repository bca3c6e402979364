import { IotIdsError, usageError } from '../errors.js';
import type { Matrix } from '../preprocess/matrix.js';

/** Thrown by every estimator asked to predict, transform or save before `fit` (or `load`). */
export class NotFittedError extends IotIdsError {
  constructor(model: string) {
    super(`${model}: the model is not fitted; call fit() or load() first`);
    this.name = 'NotFittedError';
  }
}

/** Rejects non-finite values, naming the first one's row and column (NaN would surface epochs later). */
export function requireFinite(model: string, x: Matrix, what: string): void {
  const { data, cols } = x;
  for (let j = 0; j < data.length; j++) {
    if (!Number.isFinite(data[j])) {
      throw usageError(
        `${model} ${what}: value ${data[j]} at row ${Math.floor(j / cols)}, column ${j % cols} is not finite`,
      );
    }
  }
}

/** Labels: one per row, each in [0, nClasses), with at least `minClasses` classes. */
export function checkLabels(
  model: string,
  y: Int32Array,
  rows: number,
  nClasses: number,
  options: { readonly what?: string; readonly minClasses?: number } = {},
): void {
  const { what = 'training', minClasses = 2 } = options;
  if (!Number.isInteger(nClasses) || nClasses < minClasses) {
    throw usageError(`${model}: nClasses must be an integer ≥ ${minClasses}, got ${nClasses}`);
  }
  if (y.length !== rows) throw usageError(`${model}: ${rows} ${what} rows but ${y.length} labels`);
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] < nClasses)) {
      throw usageError(`${model}: label ${y[i]} of ${what} row ${i} is outside [0, ${nClasses})`);
    }
  }
}

/**
 * The check every classifier's `fit` starts with, for the training set and again for the validation set
 * (`what: 'validation'`, `cols` the training width): not empty, the expected width, one label in range per
 * row, finite values. Errors name the model, the set and the first bad row.
 */
export function checkFitInput(
  model: string,
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  options: { readonly what?: string; readonly cols?: number; readonly minClasses?: number } = {},
): void {
  const { what = 'training', cols = x.cols } = options;
  if (x.rows === 0 || x.cols === 0) throw usageError(`${model}: the ${what} matrix is empty`);
  if (x.cols !== cols) {
    throw usageError(`${model}: the ${what} matrix has ${x.cols} features, the training matrix ${cols}`);
  }
  checkLabels(model, y, x.rows, nClasses, options);
  requireFinite(model, x, what);
}
