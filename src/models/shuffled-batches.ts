import type { Matrix } from '../preprocess/matrix.js';
import { epochRandom } from '../util/epoch-random.js';
import type { Random } from '../util/random.js';

/** Training rows of a supervised stage. */
export interface WeightedRows {
  readonly x: Matrix;
  readonly y: Int32Array;
  /** Per-row loss weights (class weights), or null for all 1. */
  readonly rowWeights: Float32Array | null;
}

export interface ShuffledBatchesOptions {
  /** Most rows per batch. */
  readonly batchSize: number;
  /** Seed of the default generator (`epochRandom(seed, epoch)`). */
  readonly seed: number;
  /**
   * The generator of an epoch, from (seed, epoch) alone; it shuffles the rows and is then handed to the
   * step (dropout masks). Default `epochRandom(seed, epoch)`; the VAE head keeps its own (published runs).
   */
  readonly random?: (epoch: number) => Random;
  /**
   * 'fixed': batches of `batchSize` rows, the last one smaller. 'even': ⌈rows / batchSize⌉ batches whose
   * sizes differ by at most one row (the FCNN: no tiny remainder batch for its batch normalisation).
   * Default 'fixed'.
   */
  readonly layout?: 'fixed' | 'even';
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
  private readonly random: (epoch: number) => Random;
  private readonly even: boolean;

  constructor(
    private readonly rows: WeightedRows,
    options: ShuffledBatchesOptions,
  ) {
    const { batchSize, seed, layout = 'fixed' } = options;
    const count = rows.x.rows;
    this.even = layout === 'even';
    this.batchesPerEpoch = Math.ceil(count / Math.max(1, Math.min(batchSize, count)));
    const size = this.even
      ? Math.ceil(count / this.batchesPerEpoch)
      : Math.max(1, Math.min(batchSize, count));
    this.x = new Float32Array(size * rows.x.cols);
    this.y = new Int32Array(size);
    this.weights = rows.rowWeights ? new Float32Array(size) : null;
    this.random = options.random ?? ((epoch) => epochRandom(seed, epoch));
  }

  /** Rows per full batch. */
  get batchSize(): number {
    return this.y.length;
  }

  /**
   * Fills the buffers with each batch of `epoch` in turn and calls `step` with its index, its row count and
   * the epoch's generator (after the shuffle).
   */
  forEachBatch(epoch: number, step: (batch: number, n: number, random: Random) => void): void {
    const { x, y, rowWeights } = this.rows;
    this.forEachRange(epoch, (batch, start, n, order, random) => {
      for (let i = 0; i < n; i++) {
        const row = order[start + i];
        this.x.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), i * x.cols);
        this.y[i] = y[row];
        if (this.weights && rowWeights) this.weights[i] = rowWeights[row];
      }
      step(batch, n, random);
    });
  }

  /**
   * The same batches without copying their rows: calls `step` with each batch's index, its rows as the
   * range `order[start .. start + n)` of the epoch's row order, and the epoch's generator (after the
   * shuffle), for steps that keep the training rows themselves (the FCNN's step kernel).
   */
  forEachRange(
    epoch: number,
    step: (batch: number, start: number, n: number, order: Int32Array, random: Random) => void,
  ): void {
    const rows = this.rows.x.rows;
    const random = this.random(epoch);
    const order = new Int32Array(rows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    random.shuffle(order);
    for (let batch = 0; batch < this.batchesPerEpoch; batch++) {
      const start = this.even ? Math.floor((batch * rows) / this.batchesPerEpoch) : batch * this.batchSize;
      const end = this.even
        ? Math.floor(((batch + 1) * rows) / this.batchesPerEpoch)
        : Math.min(start + this.batchSize, rows);
      step(batch, start, end - start, order, random);
    }
  }
}
