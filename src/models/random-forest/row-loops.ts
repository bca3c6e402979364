/**
 * The row loops of growing a tree, each alone in a function that does nothing after its loop but return.
 * V8 (Node 20) compiles a long-running loop on the spot (on-stack replacement) before the code after it has
 * ever run; that code then has no type feedback, and the compiled loop was seen to bail out there on every
 * later call, finishing each call in the interpreter (thousands of bailouts per tree, most of a fit's time).
 * With nothing after the loop there is nothing to bail out on. Arguments are passed in, not read from an
 * object, for the same reason.
 */

/** Σ rowCount[start, end). */
export function sumCounts(rowCount: Int32Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += rowCount[i];
  return sum;
}

/** Adds the rows of [start, end) to the histogram (bin · k + class) of one column's bins. */
export function addColumnHistogram(
  histogram: Int32Array,
  k: number,
  column: Uint8Array,
  base: number,
  rows: Int32Array,
  rowClass: Int32Array,
  rowCount: Int32Array,
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) {
    histogram[column[base + rows[i]] * k + rowClass[i]] += rowCount[i];
  }
}

/**
 * Σ rowCount[i] over the rows of [start, end) whose bit is set in a two-bin feature packed one bit a row
 * (row r's bit is bit r & 31 of words[wordBase + (r >>> 5)]): a sum in a register, where a histogram
 * would add to the same memory cell row after row.
 */
export function sumBits(
  words: Int32Array,
  wordBase: number,
  rows: Int32Array,
  rowCount: Int32Array,
  start: number,
  end: number,
): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const row = rows[i];
    sum += rowCount[i] & -((words[wordBase + (row >>> 5)] >>> (row & 31)) & 1);
  }
  return sum;
}

/** How many rows of [start, end) have their bit set (see sumBits). */
export function countBits(
  words: Int32Array,
  wordBase: number,
  rows: Int32Array,
  start: number,
  end: number,
): number {
  let count = 0;
  for (let i = start; i < end; i++) {
    const row = rows[i];
    count += (words[wordBase + (row >>> 5)] >>> (row & 31)) & 1;
  }
  return count;
}

/**
 * addColumnHistogram that also counts rows per bin in `binRows` and lists each bin in `usedBins` when its
 * first row lands in it; returns how many bins were listed.
 */
export function addColumnHistogramNoting(
  histogram: Int32Array,
  binRows: Int32Array,
  usedBins: Int32Array,
  k: number,
  column: Uint8Array,
  base: number,
  rows: Int32Array,
  rowClass: Int32Array,
  rowCount: Int32Array,
  start: number,
  end: number,
): number {
  let used = 0;
  for (let i = start; i < end; i++) {
    const b = column[base + rows[i]];
    if (binRows[b]++ === 0) usedBins[used++] = b;
    histogram[b * k + rowClass[i]] += rowCount[i];
  }
  return used;
}

/**
 * Stable partition of [start, end): rows whose bin (column[base + row]) is ≤ `bin` are packed from `start`
 * on, the others copied to the spare arrays from 0 on, each with its class and count. Returns where the
 * left rows end; the caller copies the spare rows back behind them.
 */
export function partitionRows(
  column: Uint8Array,
  base: number,
  bin: number,
  rows: Int32Array,
  rowClass: Int32Array,
  rowCount: Int32Array,
  spareRows: Int32Array,
  spareClass: Int32Array,
  spareCount: Int32Array,
  start: number,
  end: number,
): number {
  let l = start;
  let r = 0;
  for (let i = start; i < end; i++) {
    const row = rows[i];
    if (column[base + row] <= bin) {
      rows[l] = row;
      rowClass[l] = rowClass[i];
      rowCount[l] = rowCount[i];
      l++;
    } else {
      spareRows[r] = row;
      spareClass[r] = rowClass[i];
      spareCount[r] = rowCount[i];
      r++;
    }
  }
  return l;
}

/** Adds 1 to perClass[y[i] + 1] for every row i with a non-zero count. */
export function countDrawnPerClass(counts: Int32Array, y: Int32Array, perClass: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) if (counts[i] !== 0) perClass[y[i] + 1]++;
}

/**
 * Lists the rows with a non-zero count grouped by class, ascending within a class, with their class and
 * count: class c's rows go from next[c] on (which this advances).
 */
export function placeDrawnRows(
  counts: Int32Array,
  y: Int32Array,
  next: Int32Array,
  rows: Int32Array,
  rowClass: Int32Array,
  rowCount: Int32Array,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const count = counts[i];
    if (count === 0) continue;
    const c = y[i];
    const at = next[c]++;
    rows[at] = i;
    rowClass[at] = c;
    rowCount[at] = count;
  }
}
