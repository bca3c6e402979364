import type { Matrix } from '../preprocess/matrix.js';

/** Where a kernel keeps a matrix as its rows' non-zero entries: byte offsets into its memory. */
export interface NonZeroRowsAt {
  /** rows + 1 int32: row r's entries are [starts[r], starts[r + 1]). */
  starts: number;
  /** One int32 column index per non-zero entry. */
  idx: number;
  /** One float32 value per non-zero entry. */
  val: number;
}

/**
 * Writes `x` into a kernel's memory as its rows' non-zero entries, row by row and in column order (the
 * training kernels' sparse products skip the one-hot zeros this way). The caller sized the regions from a
 * count of the non-zeros; fresh wasm memory is zeroed, so padding needs no writes.
 */
export function writeNonZeroRows(buffer: ArrayBufferLike, x: Matrix, at: NonZeroRowsAt): void {
  const starts = new Int32Array(buffer, at.starts, x.rows + 1);
  const idx = new Int32Array(buffer, at.idx);
  const val = new Float32Array(buffer, at.val);
  const { cols, data } = x;
  let count = 0;
  for (let r = 0; r < x.rows; r++) {
    starts[r] = count;
    for (let c = 0, from = r * cols; c < cols; c++) {
      const value = data[from + c];
      if (value !== 0) {
        idx[count] = c;
        val[count++] = value;
      }
    }
  }
  starts[x.rows] = count;
}
