import { usageError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';

/**
 * Rejects matrices the VAE cannot use, naming the first offending row and column: empty, the wrong width,
 * non-finite values (they would turn the loss into NaN several batches later, far from their cause) and,
 * for the binary cross-entropy, values outside [0, 1] (its minimum is then unbounded).
 */
export function checkFeatures(
  x: Matrix,
  what: string,
  options: { readonly cols?: number; readonly unitInterval?: boolean } = {},
): void {
  if (x.rows === 0 || x.cols === 0) throw usageError(`vae: the ${what} matrix is empty`);
  if (options.cols !== undefined && x.cols !== options.cols) {
    throw usageError(
      `vae: the ${what} matrix has ${x.cols} features, the model was built for ${options.cols}`,
    );
  }
  const { data, cols } = x;
  for (let j = 0; j < data.length; j++) {
    const v = data[j];
    if (!Number.isFinite(v)) {
      throw usageError(
        `vae ${what}: value ${v} at row ${Math.floor(j / cols)}, column ${j % cols} is not finite`,
      );
    }
    if (options.unitInterval && (v < 0 || v > 1)) {
      throw usageError(
        `vae ${what}: value ${v} at row ${Math.floor(j / cols)}, column ${j % cols} is outside [0, 1]; the 'bce' reconstruction needs min-max scaled features (keep clipping on) or use reconstruction 'mse'`,
      );
    }
  }
}
