import { describe, expect, it } from 'vitest';
import { transposed, transposeInto } from './transpose.js';

/** The textbook transpose, element by element. */
function reference(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

describe('transpose', () => {
  it.each([
    [1, 1],
    [3, 5],
    [16, 16],
    [17, 33],
    [40, 7],
  ])('matches the element-wise transpose for %i × %i, across tile edges', (rows, cols) => {
    const values = Float32Array.from({ length: rows * cols }, (_, i) => i * 0.5 - 3);
    expect(transposed(values, rows, cols)).toEqual(reference(values, rows, cols));
  });

  it('writes into `out` when it is long enough and grows it otherwise', () => {
    const values = Float32Array.from({ length: 6 }, (_, i) => i);
    const roomy = new Float32Array(8).fill(-1);
    expect(transposeInto(values, 2, 3, roomy)).toBe(roomy);
    expect(Array.from(roomy)).toEqual([0, 3, 1, 4, 2, 5, -1, -1]);
    const short = new Float32Array(2);
    const grown = transposeInto(values, 2, 3, short);
    expect(grown).not.toBe(short);
    expect(Array.from(grown)).toEqual([0, 3, 1, 4, 2, 5]);
  });
});
