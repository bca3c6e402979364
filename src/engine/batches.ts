/**
 * Mini-batches built row by row in JS from the plain arrays of a `Matrix`. Slicing a dataset-sized
 * tensor instead costs a full copy out of the wasm heap per batch (engine.md) and keeps the whole
 * dataset resident in the engine; a 256-row batch gathered here costs well under a millisecond.
 */
import * as tf from '@tensorflow/tfjs';

import { IotIdsError } from '../errors.js';
import type { Matrix } from '../preprocess/matrix.js';
import type { Random } from '../util/random.js';

export interface BatchSource {
  /** Feature rows. */
  readonly x: Matrix;
  /** Targets: class indices, or a float matrix (e.g. reconstruction targets). Default: none. */
  readonly y?: Int32Array | Matrix;
  /** Per-row weights, e.g. class weights for a weighted loss. Default: none. */
  readonly weights?: Float32Array;
}

export interface MiniBatchOptions {
  /** Rows per batch; the last batch holds the remainder. Required. */
  batchSize: number;
  /** Shuffles the row order once per call (i.e. per epoch). Default: none, rows in order. */
  random?: Random;
  /** Class-index targets become one-hot float32 rows of this width; 0 keeps them as int32 `[b]`. Default 0. */
  oneHot?: number;
  /** Shape of one row of `xs`, e.g. `[8, 16]` for a sequence model; its size must equal `x.cols`. Default `[x.cols]`. */
  rowShape?: readonly number[];
  /** The rows to draw from, e.g. a training subset. Default: all rows. */
  rows?: ArrayLike<number>;
}

export interface MiniBatch {
  /** `[b, ...rowShape]` float32. */
  xs: tf.Tensor;
  /** `[b, nClasses]` one-hot, `[b]` int32 or `[b, y.cols]` float32; `null` without targets. */
  ys: tf.Tensor | null;
  /** `[b]` float32; `null` without weights. */
  weights: tf.Tensor1D | null;
  /** Rows in this batch (`batchSize` except for the last). */
  size: number;
}

/**
 * Yields the batches of one epoch. Tensors are created lazily, one batch at a time, and belong to the
 * caller: dispose `xs`, `ys` and `weights` (or run the step in `tf.tidy`) before asking for the next.
 */
export function* miniBatches(source: BatchSource, options: MiniBatchOptions): Generator<MiniBatch> {
  const { x, y, weights } = source;
  const { batchSize, oneHot = 0 } = options;
  const rowShape = options.rowShape ?? [x.cols];
  validate(source, options, rowShape);
  const order = options.rows
    ? Int32Array.from(options.rows)
    : Int32Array.from({ length: x.rows }, (_, i) => i);
  options.random?.shuffle(order);
  const inOrder = options.rows === undefined && options.random === undefined;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.subarray(start, Math.min(start + batchSize, order.length));
    // Rows in order are a view of x; wasm copies it onto its heap, but cpu would keep the view itself.
    const features =
      inOrder && tf.getBackend() !== 'cpu'
        ? x.data.subarray(start * x.cols, (start + rows.length) * x.cols)
        : gatherRows(x, rows);
    yield {
      xs: tf.tensor(features, [rows.length, ...rowShape], 'float32'),
      ys: y === undefined ? null : targets(y, rows, oneHot),
      weights: weights === undefined ? null : tf.tensor1d(gatherValues(weights, rows), 'float32'),
      size: rows.length,
    };
  }
}

/**
 * Runs `forward` over `x` in batches (inside `tf.tidy`) and collects its `[b, k]` outputs into a
 * rows × k matrix, so prediction never holds more than one batch in the engine.
 */
export function predictInBatches(
  x: Matrix,
  forward: (xs: tf.Tensor) => tf.Tensor,
  options: { batchSize?: number; rowShape?: readonly number[] } = {},
): Matrix {
  const batchSize = options.batchSize ?? 8192;
  const rowShape = options.rowShape ?? [x.cols];
  let out: Float32Array | undefined;
  let cols = 0;
  let written = 0;
  for (const batch of miniBatches({ x }, { batchSize, rowShape })) {
    let result: tf.Tensor;
    try {
      result = tf.tidy(() => forward(batch.xs));
    } finally {
      batch.xs.dispose();
    }
    if (result.rank !== 2) {
      result.dispose();
      throw new IotIdsError(`predictInBatches: forward returned rank ${result.rank}, expected 2`);
    }
    cols = result.shape[1] ?? 0;
    // Read outside tidy: tidy walks every element of a returned typed array looking for tensors.
    const values = result.dataSync() as Float32Array;
    result.dispose();
    out ??= new Float32Array(x.rows * cols);
    out.set(values, written);
    written += values.length;
  }
  return { rows: x.rows, cols, data: out ?? new Float32Array(0) };
}

function validate(source: BatchSource, options: MiniBatchOptions, rowShape: readonly number[]): void {
  const { x, y, weights } = source;
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new IotIdsError(`miniBatches: batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (rowShape.reduce((a, b) => a * b, 1) !== x.cols) {
    throw new IotIdsError(`miniBatches: rowShape [${rowShape.join(', ')}] does not hold ${x.cols} columns`);
  }
  const yRows = y === undefined ? x.rows : y instanceof Int32Array ? y.length : y.rows;
  if (yRows !== x.rows) throw new IotIdsError(`miniBatches: ${x.rows} feature rows but ${yRows} targets`);
  if (weights !== undefined && weights.length !== x.rows) {
    throw new IotIdsError(`miniBatches: ${x.rows} feature rows but ${weights.length} weights`);
  }
  for (const row of Array.from(options.rows ?? [])) {
    if (!Number.isInteger(row) || row < 0 || row >= x.rows) {
      throw new IotIdsError(`miniBatches: row index ${row} outside [0, ${x.rows})`);
    }
  }
}

function gatherRows(m: Matrix, rows: Int32Array): Float32Array {
  const cols = m.cols;
  const out = new Float32Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i] * cols;
    out.set(m.data.subarray(from, from + cols), i * cols);
  }
  return out;
}

function gatherValues<T extends Float32Array | Int32Array>(values: T, rows: Int32Array): T {
  const out = new (values.constructor as new (n: number) => T)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

function targets(y: Int32Array | Matrix, rows: Int32Array, oneHot: number): tf.Tensor {
  if (!(y instanceof Int32Array)) return tf.tensor(gatherRows(y, rows), [rows.length, y.cols], 'float32');
  const labels = gatherValues(y, rows);
  if (oneHot === 0) return tf.tensor1d(labels, 'int32');
  const hot = new Float32Array(rows.length * oneHot);
  for (let i = 0; i < rows.length; i++) {
    const label = labels[i];
    if (label < 0 || label >= oneHot) {
      throw new IotIdsError(`miniBatches: row ${rows[i]} has label ${label}, outside [0, ${oneHot})`);
    }
    hot[i * oneHot + label] = 1;
  }
  return tf.tensor2d(hot, [rows.length, oneHot], 'float32');
}
