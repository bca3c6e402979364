import type { Random } from '../../util/random.js';

/** Added to every min-max range so that a constant input normalises to 0 instead of dividing by zero. */
const RANGE_EPSILON = 1e-16;

/** What a tiny autoencoder's learned state is made of, as plain arrays (for saving and loading). */
export interface TinyAutoencoderState {
  nVisible: number;
  nHidden: number;
  /** nVisible × nHidden, row-major; the decoder uses the transpose (tied weights). */
  weights: Float64Array;
  hiddenBias: Float64Array;
  visibleBias: Float64Array;
  /** Running minimum and maximum of every input seen while training (online min-max normalisation). */
  min: Float64Array;
  max: Float64Array;
  trained: number;
}

/**
 * One small autoencoder of the ensemble: sigmoid hidden and output layers with tied weights, inputs scaled
 * to [0, 1] by the minimum and maximum seen while training (inputs outside that range are not clipped), one SGD step per sample (the denoising
 * autoencoder's update without corruption). Reads its inputs through an index list into a wider vector, so
 * the ensemble never copies sub-vectors; all buffers are allocated once.
 */
export class TinyAutoencoder {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly weights: Float64Array;
  readonly hiddenBias: Float64Array;
  readonly visibleBias: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  trained = 0;
  /** 1 / (max − min + ε) per input, kept with the ranges so normalising is a multiplication. */
  private readonly scale: Float64Array;
  private readonly input: Float64Array;
  private readonly hidden: Float64Array;
  private readonly output: Float64Array;
  private readonly hiddenDelta: Float64Array;
  private readonly result = new Float64Array(1);

  constructor(state: TinyAutoencoderState) {
    this.nVisible = state.nVisible;
    this.nHidden = state.nHidden;
    this.weights = state.weights;
    this.hiddenBias = state.hiddenBias;
    this.visibleBias = state.visibleBias;
    this.min = state.min;
    this.max = state.max;
    this.trained = state.trained;
    this.scale = new Float64Array(this.nVisible);
    for (let i = 0; i < this.nVisible; i++) this.scale[i] = 1 / (this.max[i] - this.min[i] + RANGE_EPSILON);
    this.input = new Float64Array(this.nVisible);
    this.hidden = new Float64Array(this.nHidden);
    this.output = new Float64Array(this.nVisible);
    this.hiddenDelta = new Float64Array(this.nHidden);
  }

  /** Fresh weights uniform in ±1/nVisible, zero biases, ⌈nVisible · hiddenRatio⌉ hidden units. */
  static create(nVisible: number, hiddenRatio: number, random: Random): TinyAutoencoder {
    const nHidden = Math.max(1, Math.ceil(nVisible * hiddenRatio));
    const bound = 1 / nVisible;
    const weights = new Float64Array(nVisible * nHidden);
    for (let i = 0; i < weights.length; i++) weights[i] = (random.next() * 2 - 1) * bound;
    return new TinyAutoencoder({
      nVisible,
      nHidden,
      weights,
      hiddenBias: new Float64Array(nHidden),
      visibleBias: new Float64Array(nVisible),
      min: new Float64Array(nVisible).fill(Number.POSITIVE_INFINITY),
      max: new Float64Array(nVisible).fill(Number.NEGATIVE_INFINITY),
      trained: 0,
    });
  }

  /** The factor input `i` is normalised with: 1 / (max − min + ε). */
  inputScale(i: number): number {
    return this.scale[i];
  }

  /** Updates the min-max ranges with `x[indices]`, takes one SGD step and returns the RMSE before it. */
  train(x: Float64Array, indices: Int32Array | null, learningRate: number): number {
    this.trainInto(x, indices, learningRate, this.result, 0);
    return this.result[0];
  }

  /** RMSE of the reconstruction of `x[indices]`; 0 before any training. */
  score(x: Float64Array, indices: Int32Array | null): number {
    this.scoreInto(x, indices, this.result, 0);
    return this.result[0];
  }

  /**
   * `score`, writing the RMSE into `out[k]`: a double returned from a call that is not inlined is boxed on
   * the heap, and the ensemble makes a dozen such calls per packet.
   */
  scoreInto(x: Float64Array, indices: Int32Array | null, out: Float64Array, k: number): void {
    if (this.trained === 0) out[k] = 0;
    else this.forward(x, indices, out, k);
  }

  /** `train`, writing the RMSE before the step into `out[k]`. */
  trainInto(
    x: Float64Array,
    indices: Int32Array | null,
    learningRate: number,
    out: Float64Array,
    k: number,
  ): void {
    const n = this.nVisible;
    const min = this.min;
    const max = this.max;
    for (let i = 0; i < n; i++) {
      const v = x[indices ? indices[i] : i];
      let changed = false;
      if (v < min[i]) {
        min[i] = v;
        changed = true;
      }
      if (v > max[i]) {
        max[i] = v;
        changed = true;
      }
      if (changed) this.scale[i] = 1 / (max[i] - min[i] + RANGE_EPSILON);
    }
    this.trained++;
    this.forward(x, indices, out, k);
    const m = this.nHidden;
    const w = this.weights;
    const input = this.input;
    const hidden = this.hidden;
    const output = this.output;
    const hiddenDelta = this.hiddenDelta;
    // output now holds the reconstruction error (x − z); back-propagate it through the tied weights
    // (all of the delta from the old weights first, then the update).
    for (let j = 0; j < m; j++) hiddenDelta[j] = 0;
    for (let i = 0; i < n; i++) {
      const ei = output[i];
      const row = i * m;
      for (let j = 0; j < m; j++) hiddenDelta[j] += ei * w[row + j];
    }
    for (let j = 0; j < m; j++) {
      const h = hidden[j];
      hiddenDelta[j] *= h * (1 - h);
    }
    for (let i = 0; i < n; i++) {
      const xi = input[i];
      const ei = output[i];
      const row = i * m;
      for (let j = 0; j < m; j++) w[row + j] += learningRate * (xi * hiddenDelta[j] + ei * hidden[j]);
      this.visibleBias[i] += learningRate * ei;
    }
    for (let j = 0; j < m; j++) this.hiddenBias[j] += learningRate * hiddenDelta[j];
  }

  /** Normalises into `input`, encodes into `hidden`, leaves x − z in `output`; writes the RMSE to `out[k]`. */
  private forward(x: Float64Array, indices: Int32Array | null, out: Float64Array, k: number): void {
    const n = this.nVisible;
    const m = this.nHidden;
    const w = this.weights;
    const input = this.input;
    const hidden = this.hidden;
    const output = this.output;
    const min = this.min;
    const scale = this.scale;
    if (indices) for (let i = 0; i < n; i++) input[i] = (x[indices[i]] - min[i]) * scale[i];
    else for (let i = 0; i < n; i++) input[i] = (x[i] - min[i]) * scale[i];
    // Encoder as a sum of weight rows (contiguous), then the sigmoid. Plain loops, not set()/fill(): on
    // arrays this small the built-ins' call overhead costs more than the work.
    const hiddenBias = this.hiddenBias;
    for (let j = 0; j < m; j++) hidden[j] = hiddenBias[j];
    for (let i = 0; i < n; i++) {
      const xi = input[i];
      const row = i * m;
      for (let j = 0; j < m; j++) hidden[j] += xi * w[row + j];
    }
    for (let j = 0; j < m; j++) hidden[j] = 1 / (1 + Math.exp(-hidden[j]));
    const visibleBias = this.visibleBias;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let a = visibleBias[i];
      const row = i * m;
      for (let j = 0; j < m; j++) a += hidden[j] * w[row + j];
      const e = input[i] - 1 / (1 + Math.exp(-a));
      output[i] = e;
      sum += e * e;
    }
    const rmse = Math.sqrt(sum / n);
    // Inputs far outside the training range can overflow the sum: report the largest finite score instead.
    out[k] = rmse <= Number.MAX_VALUE ? rmse : Number.MAX_VALUE;
  }
}
