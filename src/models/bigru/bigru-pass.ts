import { matMulInto, ops, type Tensor2D } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import { sigmoid, tanh } from './activations.js';
import { softmaxOutput, softmaxOutputBackward, type BatchResult, type FinalStates } from './output-layer.js';
import type { BiGruParameters } from './parameters.js';
import { transposed } from '../transpose.js';

/**
 * Extra columns on every row of the transposed gradient arrays. Their rows would otherwise be n·T floats
 * apart, a power of two for the usual batch sizes, so the backward loops' writes down a column (one per
 * gate) all land in the same cache set and evict each other: that cost 4 of 18 ms per step at batch 256.
 * The padding columns are kept at zero, so the weight-gradient products can run over them unchanged.
 */
const PAD = 16;

export type { BatchResult } from './output-layer.js';

/**
 * Forward and backward pass of the bidirectional GRU over a mini-batch, written out by hand: the engine only
 * multiplies matrices (one input product for all steps and both directions, one or two recurrent products
 * per step and direction, one product per weight gradient), and the gates, the softmax and the
 * cross-entropy run in JS loops over plain arrays. Differentiating per-step ops on the engine's tape instead
 * runs dozens of small kernels per step and direction (tf.layers.gru + model.fit is several times slower,
 * bench/bigru.ts).
 *
 * Layout choices, all for the engine's matrix product (XNNPACK packs its right operand, so a fresh right
 * operand costs a pass over it, and transposed operands take a slow path):
 * - Biases ride along as an input of constant 1: each step's input is `[x, 1]` against `[kernel; bias]`
 *   and each hidden state `[h, 1]` against `[recurrentKernel; recurrentBias]`, so the forward products add
 *   them and the weight-gradient products return them as their last column.
 * - Step inputs are time-major (row t·n + i), so a step's rows are contiguous.
 * - Gate gradients are written transposed (`[gates, rows]`, rows padded by `PAD`) as the backward loops
 *   produce them, so every weight gradient is `dgatesᵀ · [x, 1]` with the small activation matrix as the
 *   right operand.
 *
 * With `training` false only the current step is kept (for scoring large batches) and `backward` throws.
 */
export class BiGruPass {
  /** One buffer per trainable parameter (order of `BiGruParameters.trainable()`), filled by `backward`. */
  readonly gradients: Float32Array[];
  private readonly t: number;
  private readonly f: number;
  private readonly h: number;
  private readonly k: number;
  private readonly resetAfter: boolean;
  /** `[x, 1]` per step, time-major: row t·n + i. */
  private readonly xa: Float32Array;
  /** Input products `[n·T, 2·3H]` (time-major), the forward direction's gates first. */
  private readonly gx: Float32Array;
  /** Per direction: hidden states `[blocks, n, H + 1]` (last column 1); block s is the state before step s. */
  private readonly hs: Float32Array[];
  /** Per direction, per step `[n, H]`: update gate, reset gate, candidate, and Uₙh + bₙ (resetAfter) or r ⊙ h. */
  private readonly zs: Float32Array[];
  private readonly rs: Float32Array[];
  private readonly cs: Float32Array[];
  private readonly as: Float32Array[];
  private readonly gh: Float32Array;
  private readonly ghn: Float32Array;
  private readonly probabilities: Float32Array;
  // Backward only.
  /** Input-gate gradients transposed: `[2·3H, n·T]`, column t·n + i. */
  private readonly dgxT: Float32Array;
  /** Per direction, recurrent-gate gradients transposed: `[3H, T·n]` (resetAfter) or `[2H, T·n]` (z, r), column s·n + i. */
  private readonly dghT: Float32Array[];
  /** Per direction, resetAfter false: candidate pre-activation gradients transposed, `[H, T·n]`. */
  private readonly dgnT: Float32Array[];
  /** The current step's gate gradients, row-major, for the product with the recurrent kernel. */
  private readonly dgStep: Float32Array;
  private readonly dh: Float32Array[];
  private readonly scratch: Float32Array;
  private readonly weightGradient: Float32Array;

  constructor(
    private readonly params: BiGruParameters,
    readonly capacity: number,
    readonly training: boolean,
  ) {
    const { timesteps: t, featuresPerStep: f, units: h, classes: k, resetAfter } = params.shape;
    this.t = t;
    this.f = f;
    this.h = h;
    this.k = k;
    this.resetAfter = resetAfter;
    const g = 3 * h;
    const steps = training ? t : 1;
    const blocks = training ? t + 1 : 2;
    const both = (size: number): Float32Array[] => [new Float32Array(size), new Float32Array(size)];
    this.xa = new Float32Array((capacity * t + PAD) * (f + 1));
    this.gx = new Float32Array(capacity * t * 2 * g);
    this.hs = both((blocks * capacity + PAD) * (h + 1));
    this.zs = both(steps * capacity * h);
    this.rs = both(steps * capacity * h);
    this.cs = both(steps * capacity * h);
    this.as = both((steps * capacity + PAD) * h);
    this.gh = new Float32Array(capacity * g);
    this.ghn = new Float32Array(capacity * h);
    this.probabilities = new Float32Array(capacity * k);
    const ifTraining = (size: number): number => (training ? size : 0);
    const columns = capacity * t + PAD;
    this.dgxT = new Float32Array(ifTraining(2 * g * columns));
    this.dghT = both(ifTraining((resetAfter ? g : 2 * h) * columns));
    this.dgnT = both(ifTraining(resetAfter ? 0 : h * columns));
    this.dgStep = new Float32Array(ifTraining(capacity * g));
    this.dh = both(ifTraining(capacity * h));
    this.scratch = new Float32Array(ifTraining(capacity * h));
    this.weightGradient = new Float32Array(ifTraining(2 * g * Math.max(f + 1, h + 1)));
    this.gradients = training ? params.trainable().map(([, p]) => new Float32Array(p.length)) : [];
  }

  /**
   * Class probabilities `[n, classes]` for the first `n` rows of `x` (rows of timesteps × featuresPerStep
   * values). The returned view is overwritten by the next call.
   */
  forward(x: Float32Array, n: number): Float32Array {
    const { t, f, h, k, xa } = this;
    if (!(n >= 1 && n <= this.capacity) || x.length < n * t * f) {
      throw new IotIdsError(
        `bigru: a batch of ${n} rows needs 1 ≤ n ≤ ${this.capacity} and ${n * t * f} input values, got ${x.length}`,
      );
    }
    for (let i = 0; i < n; i++) {
      for (let step = 0; step < t; step++) {
        const row = (step * n + i) * (f + 1);
        const from = (i * t + step) * f;
        for (let c = 0; c < f; c++) xa[row + c] = x[from + c];
        xa[row + f] = 1;
      }
    }
    const tensors: Tensor2D[] = [];
    const keep = (tensor: Tensor2D): Tensor2D => {
      tensors.push(tensor);
      return tensor;
    };
    try {
      matMulInto(xa, n * t, f + 1, keep(ops.tensor2d(this.inputKernels(), [f + 1, 6 * h])), this.gx);
      for (let d = 0; d < 2; d++) {
        const { recurrentKernel, recurrentBias } = this.params.directions[d];
        const augmented = new Float32Array((h + 1) * 3 * h);
        augmented.set(recurrentKernel);
        if (recurrentBias) augmented.set(recurrentBias, 3 * h * h);
        if (this.resetAfter) {
          this.forwardResetAfter(d, n, keep(ops.tensor2d(augmented, [h + 1, 3 * h])));
        } else {
          const zr = keep(ops.tensor2d(columns(augmented, h + 1, 3 * h, 0, 2 * h), [h + 1, 2 * h]));
          const candidate = keep(ops.tensor2d(columns(recurrentKernel, h, 3 * h, 2 * h, 3 * h), [h, h]));
          this.forwardResetBefore(d, n, zr, candidate);
        }
      }
    } finally {
      for (const tensor of tensors) tensor.dispose();
    }
    this.output(n);
    return this.probabilities.subarray(0, n * k);
  }

  /**
   * Gradients of mean(weight · cross-entropy) over the `n` rows of the last `forward` (Keras `sample_weight`
   * semantics) into `gradients`; with `inputGradient`, also d loss / d x (`[n, timesteps·featuresPerStep]`).
   */
  backward(
    labels: Int32Array,
    weights: Float32Array | null,
    n: number,
    inputGradient?: Float32Array,
  ): BatchResult {
    if (!this.training) throw new IotIdsError('bigru: backward needs a pass built for training');
    const { f, h } = this;
    const g = 3 * h;
    const result = this.outputBackward(labels, weights, n);
    this.clearPadding(n);
    const tensors: Tensor2D[] = [];
    const keep = (tensor: Tensor2D): Tensor2D => {
      tensors.push(tensor);
      return tensor;
    };
    try {
      for (let d = 0; d < 2; d++) {
        const u = this.params.directions[d].recurrentKernel;
        if (this.resetAfter) {
          this.backwardResetAfter(d, n, keep(ops.tensor2d(transposed(u, h, g), [g, h])));
        } else {
          const zrT = keep(ops.tensor2d(transposed(columns(u, h, g, 0, 2 * h), h, 2 * h), [2 * h, h]));
          const candidateT = keep(ops.tensor2d(transposed(columns(u, h, g, 2 * h, g), h, h), [h, h]));
          this.backwardResetBefore(d, n, zrT, candidateT);
        }
      }
      const stride = this.stride(n);
      this.inputWeightGradients(
        n,
        keep(ops.tensor2d(this.xa.subarray(0, stride * (f + 1)), [stride, f + 1])),
      );
      for (let d = 0; d < 2; d++) this.recurrentWeightGradients(d, n);
      if (inputGradient) this.inputGradient(n, inputGradient);
    } finally {
      for (const tensor of tensors) tensor.dispose();
    }
    return result;
  }

  /** Columns per row of the transposed gradient arrays for a batch of `n` rows. */
  private stride(n: number): number {
    return n * this.t + PAD;
  }

  /** Zeroes the padding columns (a different batch size leaves stale values there). */
  private clearPadding(n: number): void {
    const stride = this.stride(n);
    const clear = (m: Float32Array) => {
      for (let at = stride - PAD; at < m.length && at + PAD <= m.length; at += stride)
        m.fill(0, at, at + PAD);
    };
    clear(this.dgxT);
    for (const m of [...this.dghT, ...this.dgnT]) clear(m);
  }

  private block(step: number): number {
    return this.training ? step : step & 1;
  }

  private cacheOffset(step: number, n: number): number {
    return this.training ? step * n * this.h : 0;
  }

  /** Where the final state of each direction lies in `hs`. */
  private finalOffset(n: number): number {
    return this.block(this.t) * n * (this.h + 1);
  }

  private resetInitialState(d: number, n: number): void {
    const hp = this.h + 1;
    const initial = this.hs[d].subarray(0, n * hp);
    initial.fill(0);
    for (let i = 0; i < n; i++) initial[i * hp + this.h] = 1;
  }

  private forwardResetAfter(d: number, n: number, recurrent: Tensor2D): void {
    const { t: steps, h, gx, gh } = this;
    const g = 3 * h;
    const hp = h + 1;
    const hs = this.hs[d];
    const [zs, rs, cs, as] = [this.zs[d], this.rs[d], this.cs[d], this.as[d]];
    const recurrentBias = this.params.directions[d].recurrentBias as Float32Array;
    // Scoring needs no record of the gates.
    const keep = this.training;
    this.resetInitialState(d, n);
    for (let s = 0; s < steps; s++) {
      const t = d === 0 ? s : steps - 1 - s;
      const previous = this.block(s) * n * hp;
      const next = this.block(s + 1) * n * hp;
      const cache = this.cacheOffset(s, n);
      if (s === 0) for (let i = 0; i < n; i++) gh.set(recurrentBias, i * g);
      else matMulInto(hs.subarray(previous), n, hp, recurrent, gh);
      for (let i = 0; i < n; i++) {
        const gxRow = (t * n + i) * 2 * g + d * g;
        const ghRow = i * g;
        const hIn = previous + i * hp;
        const hOut = next + i * hp;
        const c0 = cache + i * h;
        for (let j = 0; j < h; j++) {
          const z = sigmoid(gx[gxRow + j] + gh[ghRow + j]);
          const r = sigmoid(gx[gxRow + h + j] + gh[ghRow + h + j]);
          const ghn = gh[ghRow + 2 * h + j];
          const c = tanh(gx[gxRow + 2 * h + j] + r * ghn);
          hs[hOut + j] = c + z * (hs[hIn + j] - c);
          if (keep) {
            zs[c0 + j] = z;
            rs[c0 + j] = r;
            cs[c0 + j] = c;
            as[c0 + j] = ghn;
          }
        }
        hs[hOut + h] = 1;
      }
    }
  }

  private forwardResetBefore(d: number, n: number, zr: Tensor2D, candidate: Tensor2D): void {
    const { t: steps, h, gx, gh, ghn } = this;
    const g = 3 * h;
    const hp = h + 1;
    const hs = this.hs[d];
    const [zs, rs, cs, as] = [this.zs[d], this.rs[d], this.cs[d], this.as[d]];
    this.resetInitialState(d, n);
    for (let s = 0; s < steps; s++) {
      const t = d === 0 ? s : steps - 1 - s;
      const previous = this.block(s) * n * hp;
      const next = this.block(s + 1) * n * hp;
      const cache = this.cacheOffset(s, n);
      if (s === 0) gh.fill(0, 0, n * 2 * h);
      else matMulInto(hs.subarray(previous), n, hp, zr, gh);
      for (let i = 0; i < n; i++) {
        const gxRow = (t * n + i) * 2 * g + d * g;
        const ghRow = i * 2 * h;
        const hIn = previous + i * hp;
        const c0 = cache + i * h;
        for (let j = 0; j < h; j++) {
          const r = sigmoid(gx[gxRow + h + j] + gh[ghRow + h + j]);
          zs[c0 + j] = sigmoid(gx[gxRow + j] + gh[ghRow + j]);
          rs[c0 + j] = r;
          as[c0 + j] = r * hs[hIn + j];
        }
      }
      if (s === 0) ghn.fill(0, 0, n * h);
      else matMulInto(as.subarray(cache), n, h, candidate, ghn);
      for (let i = 0; i < n; i++) {
        const gxRow = (t * n + i) * 2 * g + d * g + 2 * h;
        const hIn = previous + i * hp;
        const hOut = next + i * hp;
        const c0 = cache + i * h;
        for (let j = 0; j < h; j++) {
          const c = tanh(gx[gxRow + j] + ghn[i * h + j]);
          const z = zs[c0 + j];
          hs[hOut + j] = c + z * (hs[hIn + j] - c);
          cs[c0 + j] = c;
        }
        hs[hOut + h] = 1;
      }
    }
  }

  private finals(n: number): FinalStates {
    return { states: [this.hs[0], this.hs[1]], offset: this.finalOffset(n), pitch: this.h + 1 };
  }

  /** Dense layer over [forward final, backward final] and softmax into `probabilities`. */
  private output(n: number): void {
    softmaxOutput(this.params, this.finals(n), n, this.probabilities);
  }

  /** Loss, output-layer gradients and d loss / d final states (into `dh`). */
  private outputBackward(labels: Int32Array, weights: Float32Array | null, n: number): BatchResult {
    const last = this.gradients.length;
    return softmaxOutputBackward(this.params, this.finals(n), this.probabilities, labels, weights, n, {
      dKernel: this.gradients[last - 2],
      dBias: this.gradients[last - 1],
      dh: [this.dh[0], this.dh[1]],
    });
  }

  private backwardResetAfter(d: number, n: number, recurrentT: Tensor2D): void {
    const { t: steps, h, scratch, dgxT, dgStep } = this;
    const g = 3 * h;
    const hp = h + 1;
    const nt = this.stride(n);
    const hs = this.hs[d];
    const [zs, rs, cs, as] = [this.zs[d], this.rs[d], this.cs[d], this.as[d]];
    const dghT = this.dghT[d];
    const dh = this.dh[d];
    for (let s = steps - 1; s >= 0; s--) {
      const t = d === 0 ? s : steps - 1 - s;
      const previous = s * n * hp;
      const cache = s * n * h;
      for (let i = 0; i < n; i++) {
        const xColumn = t * n + i;
        const hColumn = s * n + i;
        const hIn = previous + i * hp;
        const c0 = cache + i * h;
        const stepRow = i * g;
        for (let j = 0; j < h; j++) {
          const dOut = dh[i * h + j];
          const z = zs[c0 + j];
          const r = rs[c0 + j];
          const c = cs[c0 + j];
          const dCandidate = dOut * (1 - z) * (1 - c * c);
          const dUpdate = dOut * (hs[hIn + j] - c) * z * (1 - z);
          const dReset = dCandidate * as[c0 + j] * r * (1 - r);
          const dRecurrentCandidate = dCandidate * r;
          dgxT[(d * g + j) * nt + xColumn] = dUpdate;
          dgxT[(d * g + h + j) * nt + xColumn] = dReset;
          dgxT[(d * g + 2 * h + j) * nt + xColumn] = dCandidate;
          dghT[j * nt + hColumn] = dUpdate;
          dghT[(h + j) * nt + hColumn] = dReset;
          dghT[(2 * h + j) * nt + hColumn] = dRecurrentCandidate;
          dgStep[stepRow + j] = dUpdate;
          dgStep[stepRow + h + j] = dReset;
          dgStep[stepRow + 2 * h + j] = dRecurrentCandidate;
          dh[i * h + j] = dOut * z;
        }
      }
      if (s > 0) {
        matMulInto(dgStep, n, g, recurrentT, scratch);
        for (let q = 0; q < n * h; q++) dh[q] += scratch[q];
      }
    }
  }

  private backwardResetBefore(d: number, n: number, zrT: Tensor2D, candidateT: Tensor2D): void {
    const { t: steps, h, scratch, dgxT, dgStep } = this;
    const g = 3 * h;
    const hp = h + 1;
    const nt = this.stride(n);
    const hs = this.hs[d];
    const [zs, rs, cs] = [this.zs[d], this.rs[d], this.cs[d]];
    const dzrT = this.dghT[d];
    const dgnT = this.dgnT[d];
    const dh = this.dh[d];
    // dgStep holds the candidate gradients [n, H] first, then the z and r gradients [n, 2H].
    for (let s = steps - 1; s >= 0; s--) {
      const t = d === 0 ? s : steps - 1 - s;
      const previous = s * n * hp;
      const cache = s * n * h;
      for (let i = 0; i < n; i++) {
        const xColumn = t * n + i;
        const hColumn = s * n + i;
        const hIn = previous + i * hp;
        const c0 = cache + i * h;
        for (let j = 0; j < h; j++) {
          const dOut = dh[i * h + j];
          const z = zs[c0 + j];
          const c = cs[c0 + j];
          const dCandidate = dOut * (1 - z) * (1 - c * c);
          const dUpdate = dOut * (hs[hIn + j] - c) * z * (1 - z);
          dgxT[(d * g + j) * nt + xColumn] = dUpdate;
          dgxT[(d * g + 2 * h + j) * nt + xColumn] = dCandidate;
          dzrT[j * nt + hColumn] = dUpdate;
          dgnT[j * nt + hColumn] = dCandidate;
          dgStep[i * h + j] = dCandidate;
          dgStep[n * h + i * 2 * h + j] = dUpdate;
          dh[i * h + j] = dOut * z;
        }
      }
      if (s === 0) {
        // The initial state is a constant 0: the reset gate had nothing to act on.
        for (let j = 0; j < h; j++) {
          dgxT.fill(0, (d * g + h + j) * nt + t * n, (d * g + h + j) * nt + (t + 1) * n);
          dzrT.fill(0, (h + j) * nt + s * n, (h + j) * nt + (s + 1) * n);
        }
        continue;
      }
      // d(r ⊙ h) = dgn · Uₙᵀ, then the reset gate's and the previous state's shares of it.
      matMulInto(dgStep, n, h, candidateT, scratch);
      for (let i = 0; i < n; i++) {
        const xColumn = t * n + i;
        const hColumn = s * n + i;
        const hIn = previous + i * hp;
        const c0 = cache + i * h;
        for (let j = 0; j < h; j++) {
          const dRh = scratch[i * h + j];
          const r = rs[c0 + j];
          const dReset = dRh * hs[hIn + j] * r * (1 - r);
          dgxT[(d * g + h + j) * nt + xColumn] = dReset;
          dzrT[(h + j) * nt + hColumn] = dReset;
          dgStep[n * h + i * 2 * h + h + j] = dReset;
          dh[i * h + j] += dRh * r;
        }
      }
      matMulInto(dgStep.subarray(n * h), n, 2 * h, zrT, scratch);
      for (let q = 0; q < n * h; q++) dh[q] += scratch[q];
    }
  }

  /** dgatesᵀ · [x, 1]: the input kernels' gradients (transposed) and, as the last column, the biases'. */
  private inputWeightGradients(n: number, inputs: Tensor2D): void {
    const { f, h } = this;
    const g = 3 * h;
    const out = this.weightGradient;
    matMulInto(this.dgxT, 2 * g, this.stride(n), inputs, out);
    for (let d = 0; d < 2; d++) {
      const [kernel, bias] = this.gradientsOf(d);
      for (let gate = 0; gate < g; gate++) {
        const row = (d * g + gate) * (f + 1);
        for (let r = 0; r < f; r++) kernel[r * g + gate] = out[row + r];
        bias[gate] = out[row + f];
      }
    }
  }

  /** dgatesᵀ · [h, 1] over all steps: recurrent kernel (and recurrent bias) gradients of direction `d`. */
  private recurrentWeightGradients(d: number, n: number): void {
    const { h } = this;
    const g = 3 * h;
    const hp = h + 1;
    const out = this.weightGradient;
    const [, , recurrentKernel, recurrentBias] = this.gradientsOf(d);
    // Rows past T·n meet the zero padding columns of the gradients.
    const stride = this.stride(n);
    const states = ops.tensor2d(this.hs[d].subarray(0, stride * hp), [stride, hp]);
    try {
      const gates = this.resetAfter ? g : 2 * h;
      matMulInto(this.dghT[d], gates, stride, states, out);
      for (let gate = 0; gate < gates; gate++) {
        for (let r = 0; r < h; r++) recurrentKernel[r * g + gate] = out[gate * hp + r];
        if (recurrentBias) recurrentBias[gate] = out[gate * hp + h];
      }
    } finally {
      states.dispose();
    }
    if (this.resetAfter) return;
    const resetStates = ops.tensor2d(this.as[d].subarray(0, stride * h), [stride, h]);
    try {
      matMulInto(this.dgnT[d], h, stride, resetStates, out);
      for (let gate = 0; gate < h; gate++) {
        for (let r = 0; r < h; r++) recurrentKernel[r * g + 2 * h + gate] = out[gate * h + r];
      }
    } finally {
      resetStates.dispose();
    }
  }

  /** d loss / d x = (dgates · [kernel; bias]ᵀ) without the bias column, back in row-major input order. */
  private inputGradient(n: number, into: Float32Array): void {
    const { t, f, h } = this;
    const g = 3 * h;
    const stride = this.stride(n);
    const gradients = ops.tensor2d(this.dgxT.subarray(0, 2 * g * stride), [2 * g, stride]);
    const transposed = new Float32Array((f + 1) * stride);
    try {
      matMulInto(this.inputKernels(), f + 1, 2 * g, gradients, transposed);
    } finally {
      gradients.dispose();
    }
    for (let i = 0; i < n; i++) {
      for (let step = 0; step < t; step++) {
        for (let c = 0; c < f; c++) into[(i * t + step) * f + c] = transposed[c * stride + step * n + i];
      }
    }
  }

  /** Gradient buffers of direction `d`: kernel, bias, recurrent kernel, recurrent bias (or null). */
  private gradientsOf(d: number): [Float32Array, Float32Array, Float32Array, Float32Array | null] {
    const perDirection = this.resetAfter ? 4 : 3;
    const base = d * perDirection;
    const grads = this.gradients;
    // trainable() order: kernel, recurrentKernel, bias[, recurrentBias].
    return [grads[base], grads[base + 2], grads[base + 1], this.resetAfter ? grads[base + 3] : null];
  }

  /** `[F + 1, 2·3H]`: each direction's `[kernel; bias]` side by side. */
  private inputKernels(): Float32Array {
    const { f, h } = this;
    const g = 3 * h;
    const values = new Float32Array((f + 1) * 2 * g);
    this.params.directions.forEach((direction, d) => {
      for (let r = 0; r < f; r++)
        values.set(direction.kernel.subarray(r * g, (r + 1) * g), r * 2 * g + d * g);
      values.set(direction.bias, f * 2 * g + d * g);
    });
    return values;
  }
}

/** Columns [from, to) of a rows × cols row-major matrix. */
function columns(m: Float32Array, rows: number, cols: number, from: number, to: number): Float32Array {
  const width = to - from;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * cols + from, r * cols + to), r * width);
  return out;
}
