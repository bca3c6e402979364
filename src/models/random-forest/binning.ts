import type { Matrix } from '../../preprocess/matrix.js';

/**
 * Per-feature bin edges. Bin `b` of feature `f` holds the values `x` with `edges[b-1] < x <= edges[b]`, so a
 * split "bin ≤ b" is the same test as "x ≤ edges[b]" on raw floats: trees keep working on unbinned input.
 */
export interface BinEdges {
  /** Number of bins per feature (1 for a constant feature). */
  readonly nBins: Int32Array;
  /** Start of each feature's edges in `edges` (length nFeatures + 1); feature f has nBins[f] − 1 edges. */
  readonly offsets: Int32Array;
  /** Upper edges, strictly increasing per feature; always Float32 values so binning and predict agree. */
  readonly edges: Float32Array;
}

/**
 * Quantile edges per feature: every distinct value gets its own bin when there are at most `maxBins`, else
 * bins are closed greedily at roughly equal counts of the rows still to place, so a value holding half the
 * rows (zero bytes, say) takes one bin instead of swallowing half of them.
 */
export function computeBinEdges(x: Matrix, maxBins: number): BinEdges {
  const cols = x.cols;
  const nBins = new Int32Array(cols);
  const perFeature: Float32Array[] = [];
  forEachColumn(x, (f, column) => {
    const edges = quantileEdges(column, maxBins);
    perFeature.push(edges);
    nBins[f] = edges.length + 1;
  });
  const offsets = new Int32Array(cols + 1);
  for (let f = 0; f < cols; f++) offsets[f + 1] = offsets[f] + perFeature[f].length;
  const edges = new Float32Array(offsets[cols]);
  perFeature.forEach((e, f) => edges.set(e, offsets[f]));
  return { nBins, offsets, edges };
}

const COLUMN_BLOCK = 16;

/**
 * Calls `visit` with each column in order (the array is reused, and may be reordered by `visit`). Columns
 * are copied out 16 at a time, so the row-major matrix is read in cache lines it fully uses, not once per
 * column with a stride.
 */
function forEachColumn(x: Matrix, visit: (f: number, column: Float32Array) => void): void {
  const { rows, cols, data } = x;
  const block = new Float32Array(COLUMN_BLOCK * rows);
  for (let f0 = 0; f0 < cols; f0 += COLUMN_BLOCK) {
    const width = Math.min(COLUMN_BLOCK, cols - f0);
    for (let i = 0; i < rows; i++) {
      const o = i * cols + f0;
      for (let j = 0; j < width; j++) block[j * rows + i] = data[o + j];
    }
    for (let j = 0; j < width; j++) visit(f0 + j, block.subarray(j * rows, (j + 1) * rows));
  }
}

function quantileEdges(column: Float32Array, maxBins: number): Float32Array {
  const few = fewDistinct(column, maxBins);
  if (few) {
    const edges = new Float32Array(Math.max(0, few.length - 1));
    for (let j = 0; j + 1 < few.length; j++) edges[j] = edgeBetween(few[j], few[j + 1]);
    return edges;
  }
  const sorted = column.sort();
  const n = sorted.length;
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n;) {
    const v = sorted[i];
    let j = i + 1;
    while (j < n && sorted[j] === v) j++;
    values.push(v);
    counts.push(j - i);
    i = j;
  }
  const edges: number[] = [];
  let remainingRows = n;
  let binsLeft = maxBins;
  let inBin = 0;
  for (let j = 0; j + 1 < values.length && binsLeft > 1; j++) {
    inBin += counts[j];
    if (inBin >= remainingRows / binsLeft) {
      edges.push(edgeBetween(values[j], values[j + 1]));
      remainingRows -= inBin;
      binsLeft--;
      inBin = 0;
    }
  }
  return Float32Array.from(edges);
}

/**
 * The sorted distinct values when there are at most `limit` of them (one-hot and flag columns: one cheap
 * pass instead of a sort), else null.
 */
function fewDistinct(column: Float32Array, limit: number): Float32Array | null {
  const seen = new Set<number>();
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (seen.has(v)) continue;
    // -0 and 0 are one value (Set treats them alike, and so do comparisons).
    seen.add(v);
    if (seen.size > limit) return null;
  }
  return Float32Array.from(seen).sort();
}

/** Midpoint rounded to Float32, falling back to the lower value if rounding reaches the upper one. */
function edgeBetween(lower: number, upper: number): number {
  const mid = Math.fround((lower + upper) / 2);
  return mid < upper ? mid : lower;
}

/** Bin index of `value` for feature `f`: the number of edges strictly below it. */
export function binOf(bins: BinEdges, f: number, value: number): number {
  let lo = bins.offsets[f];
  let hi = bins.offsets[f + 1];
  const start = lo;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= bins.edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo - start;
}

/**
 * Bins `x` into a column-major byte matrix (feature f, row i at f · rows + i), so growing a node reads one
 * contiguous column per candidate feature. Backed by a SharedArrayBuffer when asked, so workers read it in
 * place instead of each holding a copy.
 */
export function binMatrix(x: Matrix, bins: BinEdges, shared: boolean): Uint8Array {
  const rows = x.rows;
  const out = new Uint8Array(shared ? new SharedArrayBuffer(rows * x.cols) : new ArrayBuffer(rows * x.cols));
  forEachColumn(x, (f, column) => {
    const nEdges = bins.nBins[f] - 1;
    if (nEdges === 0) return;
    const base = f * rows;
    if (nEdges === 1) {
      const edge = bins.edges[bins.offsets[f]];
      for (let i = 0; i < rows; i++) out[base + i] = column[i] <= edge ? 0 : 1;
      return;
    }
    for (let i = 0; i < rows; i++) out[base + i] = binOf(bins, f, column[i]);
  });
  return out;
}

/** The bins of two-bin features packed one bit a row (most features of one-hot data are such). */
export interface BitColumns {
  /** Bit i of word wordOffset[f] + (i >>> 5), at position i & 31, is row i's bin of feature f. */
  readonly words: Int32Array;
  /** Start of feature f's words, or −1 when it has other than two bins. */
  readonly wordOffset: Int32Array;
}

/**
 * Packs the two-bin features of column-major bins one bit a row: a 126,000-row column takes 16 KB instead
 * of 126 KB, so the columns nodes read stay in the core's caches. Shared like `binMatrix`'s output when
 * asked.
 */
export function packTwoBinColumns(
  columns: Uint8Array,
  nBins: Int32Array,
  rows: number,
  shared: boolean,
): BitColumns {
  const cols = nBins.length;
  const perColumn = (rows + 31) >>> 5;
  const wordOffset = new Int32Array(cols).fill(-1);
  let nWords = 0;
  for (let f = 0; f < cols; f++) {
    if (nBins[f] !== 2) continue;
    wordOffset[f] = nWords;
    nWords += perColumn;
  }
  const words = new Int32Array(shared ? new SharedArrayBuffer(4 * nWords) : new ArrayBuffer(4 * nWords));
  for (let f = 0; f < cols; f++) {
    const start = wordOffset[f];
    if (start < 0) continue;
    const base = f * rows;
    for (let i = 0; i < rows; i++) if (columns[base + i] !== 0) words[start + (i >>> 5)] |= 1 << (i & 31);
  }
  return { words, wordOffset };
}
