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
