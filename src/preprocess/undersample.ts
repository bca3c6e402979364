import { usageError } from '../errors.js';
import { Random } from '../util/random.js';
import { classCounts, rowsByClass } from './class-counts.js';
import { takeLabels, takeRows, type Matrix } from './matrix.js';

export interface UndersampleOptions {
  /**
   * Every class is cut to at most round(ratio × rows of the smallest present class); must be ≥ 1, so the
   * smallest class is never cut (1 balances all classes down to it). Default: no ratio cap.
   */
  targetRatio?: number;
  /** Every class is cut to at most this many rows. Default: no absolute cap. */
  maxPerClass?: number;
  /** Seed of the random choice of kept rows. Default 1. */
  seed?: number;
}

export interface UndersampleResult {
  /** The kept rows, in their original order. */
  x: Matrix;
  y: Int32Array;
  /** Rows removed per class present (0 for classes under the cap). */
  removed: Record<number, number>;
}

/**
 * Random undersampling: classes above the cap keep a seeded uniform random subset of their rows. When both
 * `targetRatio` and `maxPerClass` are given the smaller cap applies; at least one is required.
 */
export function randomUndersample(x: Matrix, y: Int32Array, options: UndersampleOptions): UndersampleResult {
  const { targetRatio, maxPerClass } = options;
  if (targetRatio === undefined && maxPerClass === undefined) {
    throw usageError('undersampling needs targetRatio or maxPerClass');
  }
  if (targetRatio !== undefined && !(targetRatio >= 1 && Number.isFinite(targetRatio))) {
    throw usageError(`undersampling target ratio must be a number ≥ 1, got ${targetRatio}`);
  }
  if (maxPerClass !== undefined && !(Number.isInteger(maxPerClass) && maxPerClass >= 1)) {
    throw usageError(`undersampling maxPerClass must be a positive integer, got ${maxPerClass}`);
  }
  if (y.length !== x.rows) throw usageError(`undersampling got ${x.rows} rows but ${y.length} labels`);

  const counts = classCounts(y);
  const present = counts.filter((n) => n > 0);
  const smallest = present.length ? Math.min(...present) : 0;
  const cap = Math.min(
    targetRatio === undefined ? Infinity : Math.round(targetRatio * smallest),
    maxPerClass ?? Infinity,
  );
  const random = new Random(options.seed ?? 1);
  const keep = new Uint8Array(y.length);
  const removed: Record<number, number> = {};
  rowsByClass(y, counts).forEach((rows, c) => {
    if (rows.length === 0) return;
    const kept = Math.min(rows.length, cap);
    if (kept < rows.length) partialShuffle(rows, kept, random);
    for (let i = 0; i < kept; i++) keep[rows[i]] = 1;
    removed[c] = rows.length - kept;
  });
  const rows = keptRows(keep);
  return { x: takeRows(x, rows), y: takeLabels(y, rows), removed };
}

/** Moves a uniform random sample of `n` items to the front (the first n steps of Fisher–Yates). */
function partialShuffle(items: Int32Array, n: number, random: Random): void {
  for (let i = 0; i < n && i < items.length - 1; i++) {
    const j = i + random.int(items.length - i);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}

function keptRows(keep: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < keep.length; i++) n += keep[i];
  const rows = new Int32Array(n);
  for (let i = 0, r = 0; i < keep.length; i++) if (keep[i]) rows[r++] = i;
  return rows;
}
