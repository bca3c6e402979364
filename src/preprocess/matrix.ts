import { IotIdsError } from '../errors.js';

/** Dense row-major float matrix: the only feature format models see. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

export function createMatrix(rows: number, cols: number, data?: Float32Array): Matrix {
  const buffer = data ?? new Float32Array(rows * cols);
  if (buffer.length !== rows * cols) {
    throw new IotIdsError(`matrix data has ${buffer.length} values, expected ${rows} × ${cols}`);
  }
  return { rows, cols, data: buffer };
}

export function rowOf(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Copies the given rows, in order, into a new matrix. */
export function takeRows(m: Matrix, rows: ArrayLike<number>): Matrix {
  const out = new Float32Array(rows.length * m.cols);
  for (let i = 0; i < rows.length; i++) out.set(rowOf(m, rows[i]), i * m.cols);
  return createMatrix(rows.length, m.cols, out);
}

export function takeLabels(y: Int32Array, rows: ArrayLike<number>): Int32Array {
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]];
  return out;
}

/** A labelled, fully numeric set ready for a model. `y[i]` indexes `classes`. */
export interface LabelledSet {
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly classes: readonly string[];
}
