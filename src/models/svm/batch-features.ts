import type { Matrix } from '../../preprocess/matrix.js';
import type { RandomFourierFeatures } from './random-fourier.js';

/**
 * Random features of a whole training set are cached when they fit in this many bytes: on KDDTrain+ (113k
 * fitting rows × 1024 components ≈ 464 MB) the cache saves ~5 CPU s of projection per epoch (an epoch then
 * takes ~1.3 CPU s), and a set too large for it (KDD Cup 99's 494k rows would need 2 GB) is projected
 * batch by batch instead.
 */
export const FEATURE_CACHE_BYTES = 768 * 2 ** 20;

/**
 * The SVM's input rows for a batch: the raw features (linear kernel) or their random Fourier features,
 * gathered by row index into a caller-owned buffer. Either way the values are bit-identical, cached or not.
 */
export class BatchFeatures {
  readonly dim: number;
  private cache: Float32Array | null = null;
  private readonly cacheable: boolean;

  constructor(
    readonly x: Matrix,
    private readonly map: RandomFourierFeatures | null,
    cacheBytes = FEATURE_CACHE_BYTES,
  ) {
    this.dim = map ? map.components : x.cols;
    this.cacheable = map !== null && x.rows * this.dim * 4 <= cacheBytes;
  }

  /** Whether the mapped features of every row are held in memory (after the first gather). */
  get cached(): boolean {
    return this.cache !== null;
  }

  /** Writes the features of `rows[start..end)` (or rows start..end when `rows` is null) into `out`. */
  gather(rows: ArrayLike<number> | null, start: number, end: number, out: Float32Array): void {
    const dim = this.dim;
    if (this.map === null || this.cacheable) {
      const source = this.map === null ? this.x.data : this.cachedFeatures(this.map);
      if (rows === null) {
        out.set(source.subarray(start * dim, end * dim));
        return;
      }
      for (let i = start; i < end; i++) {
        const from = rows[i] * dim;
        out.set(source.subarray(from, from + dim), (i - start) * dim);
      }
      return;
    }
    this.map.transformRows(this.x, rows, start, end, out);
  }

  private cachedFeatures(map: RandomFourierFeatures): Float32Array {
    if (this.cache === null) {
      const cache = new Float32Array(this.x.rows * this.dim);
      const block = 1024;
      for (let start = 0; start < this.x.rows; start += block) {
        const end = Math.min(start + block, this.x.rows);
        map.transformRows(this.x, null, start, end, cache.subarray(start * this.dim, end * this.dim));
      }
      this.cache = cache;
    }
    return this.cache;
  }
}
