import { IotIdsError } from '../../errors.js';

/**
 * The anomaly threshold for a target false-positive rate: the (1 − rate) quantile of reconstruction errors
 * measured on normal traffic the autoencoder was not trained on. A record is anomalous when its error is
 * strictly above the threshold, so at most ⌊n × rate⌋ of those n normal errors are (fewer when errors tie at
 * the threshold): the rate is never exceeded on the calibration rows themselves.
 */
export function thresholdAtFalsePositiveRate(normalErrors: ArrayLike<number>, rate: number): number {
  checkFalsePositiveRate(rate);
  const n = normalErrors.length;
  if (n === 0) throw new IotIdsError('cannot set an anomaly threshold from 0 validation rows');
  const sorted = Float64Array.from(normalErrors).sort();
  if (!Number.isFinite(sorted[n - 1]) || Number.isNaN(sorted[0])) {
    throw new IotIdsError('the validation reconstruction errors contain NaN or infinite values');
  }
  const allowedAbove = Math.floor(n * rate + 1e-9);
  return sorted[n - 1 - Math.min(allowedAbove, n - 1)];
}

/** Fraction of `errors` strictly above `threshold` (the realised false-positive rate on normal rows). */
export function fractionAbove(errors: ArrayLike<number>, threshold: number): number {
  if (errors.length === 0) return Number.NaN;
  let above = 0;
  for (let i = 0; i < errors.length; i++) if (errors[i] > threshold) above++;
  return above / errors.length;
}

export function checkFalsePositiveRate(rate: number): void {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new IotIdsError(`the false-positive rate must be in [0, 1), got ${String(rate)}`, {
      kind: 'usage',
    });
  }
}

/**
 * 1 where a record's reconstruction error is strictly above the threshold. It lives here, apart from the
 * autoencoder, so scoring paths import it without loading TF.js (a forest's `watch` never needs it).
 */
export function anomalousMask(errors: ArrayLike<number>, threshold: number): Uint8Array {
  const out = new Uint8Array(errors.length);
  for (let i = 0; i < errors.length; i++) out[i] = errors[i] > threshold ? 1 : 0;
  return out;
}
