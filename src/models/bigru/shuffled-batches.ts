import type { Matrix } from '../../preprocess/matrix.js';
import { epochRandom } from '../../util/epoch-random.js';

/** Training rows of a BiGRU stage. */
export interface WeightedRows {
  readonly x: Matrix;
  readonly y: Int32Array;
  /** Per-row loss weights (class weights), or null for all 1. */
  readonly rowWeights: Float32Array | null;
}

/**
 * An epoch's rows in the order drawn from (seed, epoch) alone, copied batch by batch into buffers reused
 * across batches and epochs, so a run resumed after epoch k sees exactly the batches the uninterrupted run
 * saw from epoch k + 1 on.
 */
export class ShuffledBatches {
  readonly batchesPerEpoch: number;
  readonly x: Float32Array;
  readonly y: Int32Array;
  /** null when the rows have no weights. */
  readonly weights: Float32Array | null;

  constructor(
    private readonly rows: WeightedRows,
    batchSize: number,
    private readonly seed: number,
  ) {
    const size = Math.min(batchSize, rows.x.rows);
    this.batchesPerEpoch = Math.ceil(rows.x.rows / size);
    this.x = new Float32Array(size * rows.x.cols);
    this.y = new Int32Array(size);
    this.weights = rows.rowWeights ? new Float32Array(size) : null;
  }

  /** Rows per full batch. */
  get batchSize(): number {
    return this.y.length;
  }

  /** Fills the buffers with each batch of `epoch` in turn and calls `step` with its index and row count. */
  forEachBatch(epoch: number, step: (batch: number, n: number) => void): void {
    const { x, y, rowWeights } = this.rows;
    const order = epochRandom(this.seed, epoch).shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
    for (let batch = 0; batch < this.batchesPerEpoch; batch++) {
      const start = batch * this.batchSize;
      const n = Math.min(this.batchSize, x.rows - start);
      for (let i = 0; i < n; i++) {
        const row = order[start + i];
        this.x.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), i * x.cols);
        this.y[i] = y[row];
        if (this.weights && rowWeights) this.weights[i] = rowWeights[row];
      }
      step(batch, n);
    }
  }
}
