const TILE = 16;

/**
 * rows × cols → cols × rows (row-major) into `out`, grown when too short; the array written is returned.
 * Works in 16 × 16 tiles so neither side is walked with a stride of a whole row for long.
 */
export function transposeInto(
  values: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
): Float32Array {
  const target = out.length >= rows * cols ? out : new Float32Array(rows * cols);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let c = c0; c < c1; c++) {
        const to = c * rows;
        for (let r = r0; r < r1; r++) target[to + r] = values[r * cols + c];
      }
    }
  }
  return target;
}

/** rows × cols → a new cols × rows array. */
export function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  return transposeInto(values, rows, cols, new Float32Array(rows * cols));
}
