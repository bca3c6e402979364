import type { Matrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { transposeInto } from '../transpose.js';

/** One mini-batch as plain arrays; the step functions upload what they need. */
export interface RowBatch {
  /** Rows in this batch. */
  readonly size: number;
  /** size × cols, row-major. */
  readonly xs: Float32Array;
  /**
   * (cols + 1) × size: the rows transposed, plus a last row of ones (empty when not asked for). A weight
   * gradient is Xᵀ·δ and its bias's is Σᵢ δᵢ: [Xᵀ; 1ᵀ]·δ yields both in one product, and handing the engine
   * Xᵀ built here saves the Transpose kernel (as costly as the product it feeds) and the Sum kernel.
   */
  readonly xsT: Float32Array;
  /** Class indices of the rows, when the source has labels. */
  readonly labels: Int32Array | null;
  /** Per-row loss weights (class weights), when given. */
  readonly weights: Float32Array | null;
}

/**
 * The row order of one epoch of one stage: a shuffle seeded by (seed, stage, epoch) alone, so an epoch
 * resumed from a checkpoint sees the same batches it would have seen in an uninterrupted run.
 */
export function epochOrder(rows: number, seed: number, stage: number, epoch: number): Int32Array {
  const mixed = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(stage + 1, 0x85ebca6b) + epoch) >>> 0;
  return new Random(mixed).shuffle(Int32Array.from({ length: rows }, (_, i) => i));
}

/** Consecutive batches over `order`; the last one holds the remainder. */
export function* rowBatches(
  x: Matrix,
  order: Int32Array,
  batchSize: number,
  options: {
    labels?: Int32Array;
    weights?: Float32Array;
    /** Build `xsT` (default true); forward-only passes do not need it. */
    transposed?: boolean;
  } = {},
): Generator<RowBatch> {
  const cols = x.cols;
  const data = x.data;
  const sourceLabels = options.labels;
  const sourceWeights = options.weights;
  const withTranspose = options.transposed ?? true;
  for (let start = 0; start < order.length; start += batchSize) {
    const size = Math.min(batchSize, order.length - start);
    const xs = new Float32Array(size * cols);
    const xsT = new Float32Array(withTranspose ? (cols + 1) * size : 0);
    const labels = sourceLabels ? new Int32Array(size) : null;
    const weights = sourceWeights ? new Float32Array(size) : null;
    for (let i = 0; i < size; i++) {
      const row = order[start + i];
      const from = row * cols;
      const to = i * cols;
      // An element loop: subarray + set allocates a view per row, which costs more than 122 copies.
      for (let c = 0; c < cols; c++) xs[to + c] = data[from + c];
      if (labels && sourceLabels) labels[i] = sourceLabels[row];
      if (weights && sourceWeights) weights[i] = sourceWeights[row];
    }
    if (withTranspose) {
      transposeInto(xs, size, cols, xsT);
      xsT.fill(1, cols * size);
    }
    yield { size, xs, xsT, labels, weights };
  }
}
