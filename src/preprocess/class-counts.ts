import { IotIdsError } from '../errors.js';

/**
 * Rows per class: `counts[c]` is how many `y[i] === c`. Labels are class indices, so the result has
 * `max(y) + 1` entries (classes absent from `y` count 0).
 */
export function classCounts(y: Int32Array): Int32Array {
  let max = -1;
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (c < 0) throw new IotIdsError(`class labels must be indices ≥ 0, found ${c} at row ${i}`);
    if (c > max) max = c;
  }
  const counts = new Int32Array(max + 1);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts;
}

/** Row indices of every class, ascending, one array per class index (empty for absent classes). */
export function rowsByClass(y: Int32Array, counts: Int32Array = classCounts(y)): Int32Array[] {
  const rows = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Int32Array(counts.length);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    rows[c][filled[c]++] = i;
  }
  return rows;
}

/** Counts as a plain record keyed by class index, for reports. */
export function countsRecord(
  counts: ArrayLike<number>,
  only?: (c: number) => boolean,
): Record<number, number> {
  const out: Record<number, number> = {};
  for (let c = 0; c < counts.length; c++) if (!only || only(c)) out[c] = counts[c];
  return out;
}
