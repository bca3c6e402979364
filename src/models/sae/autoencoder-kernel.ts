/**
 * The sparse autoencoder's whole pretraining step in one WebAssembly SIMD kernel (wasm/sae-step.c): encoder
 * over the non-zero inputs, sigmoid, decoder, reconstruction error, backward pass, gradients and the Adam
 * update, with the weights and the optimiser's moments kept in the kernel's memory for a whole epoch. The
 * training matrix is copied in once, as the lists of its non-zero entries (one-hot KDD rows: ≈ 14 of 122),
 * and a batch is a range of the epoch's row order, whose lists the kernel gathers itself: nothing is copied
 * per batch from JS. Only the sparsity penalty of the batch's mean activations (64 numbers, `sparsityTerm`)
 * is computed in JS, between the two kernel calls.
 *
 * `autoencoderStep` (autoencoder-step.ts, tfjs) is the reference the tests compare it with; the sums differ
 * from it only in rounding (own sigmoid, float32 sums in another order for the squared error and ρ̂).
 */
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import { bufferLayout } from '../../engine/buffer-layout.js';
import { ensureWasmMemory, instantiateWasm } from '../../util/wasm-module.js';
import { sparsityTerm, type AutoencoderParameters, type SparsityPenalty } from './autoencoder-step.js';
import type { AdamStepConstants, SaeOptimizer } from './parameters.js';
import { wasmBase64 } from './wasm/sae-step.wasm.js';
import { writeNonZeroRows } from '../non-zero-rows.js';
import { readPitched, writePitched } from '../pitched-rows.js';

interface Exports {
  memory: WebAssembly.Memory;
  scratch_base: () => number;
  init: () => void;
  encode: (layout: number, order: number, n: number) => void;
  backward: (layout: number, n: number) => number;
  adam: (...args: number[]) => void;
}

const FLOAT = 4;
// The Layout struct of sae-step.c, field by field.
const LAYOUT_FIELDS = [
  'features',
  'hidden',
  'dp',
  'hp',
  'starts',
  'idx',
  'val',
  'bstarts',
  'bidx',
  'bval',
  'bfrom',
  'w1',
  'b1',
  'w2',
  'b2',
  'gw1',
  'gb1',
  'gw2',
  'gb2',
  'h',
  'hsum',
  'unitGrad',
  'out',
  'xb',
  'dh',
  'w2t',
  'zeros',
] as const;
type Field = (typeof LAYOUT_FIELDS)[number];

/** Where a parameter lives in the kernel: its values, gradient and moments, `rows` × `cols` at `pitch`. */
interface Slot {
  readonly rows: number;
  readonly cols: number;
  readonly pitch: number;
  readonly values: number;
  readonly gradient: number;
  readonly m: number;
  readonly v: number;
}

export interface KernelStepResult {
  /** Σᵢ ½‖rᵢ − xᵢ‖² over the batch. */
  readonly reconstructionSum: number;
  /** The sparsity term of J for this batch. */
  readonly penalty: number;
}

/** One training matrix, one autoencoder shape and batches of at most `maxRows` rows, in its own instance. */
export class AutoencoderKernel {
  readonly features: number;
  readonly hidden: number;
  private readonly exports: Exports;
  private readonly layout: number;
  private readonly at: Record<Field, number>;
  private readonly order: number;
  private readonly slots: readonly [Slot, Slot, Slot, Slot];
  private step = 0;

  constructor(
    x: Matrix,
    hidden: number,
    readonly maxRows: number,
  ) {
    if (!Number.isInteger(hidden) || hidden < 1 || !Number.isInteger(maxRows) || maxRows < 1) {
      throw new IotIdsError(`AutoencoderKernel: ${hidden} hidden units and ${maxRows} rows a batch`);
    }
    const features = x.cols;
    this.features = features;
    this.hidden = hidden;
    this.exports = instantiateWasm(wasmBase64, 'sae-step').exports as unknown as Exports;
    this.exports.init();
    const dp = Math.ceil(features / 4) * 4;
    const hp = Math.ceil(hidden / 4) * 4;
    let nonZeros = 0;
    for (let i = 0; i < x.data.length; i++) if (x.data[i] !== 0) nonZeros++;
    const { take, end } = bufferLayout(this.exports.scratch_base());
    this.layout = take(LAYOUT_FIELDS.length * 4);
    this.order = take(Math.max(x.rows, 1) * 4);
    const matrix = (rows: number, pitch: number) => take(rows * pitch * FLOAT);
    const at: Record<Field, number> = {
      features,
      hidden,
      dp,
      hp,
      starts: take((x.rows + 1) * 4),
      // Lists are copied four entries at a time, so each has 4 entries of slack.
      idx: take((nonZeros + 4) * 4),
      val: take((nonZeros + 4) * FLOAT),
      // A batch's lists: at most every value of its rows.
      bstarts: take((maxRows + 1) * 4),
      bidx: take((maxRows * features + 4) * 4),
      bval: take((maxRows * features + 4) * FLOAT),
      bfrom: take(maxRows * 4),
      w1: matrix(features, hp),
      b1: matrix(1, hp),
      w2: matrix(hidden, dp),
      b2: matrix(1, dp),
      gw1: matrix(features, hp),
      gb1: matrix(1, hp),
      gw2: matrix(hidden, dp),
      gb2: matrix(1, dp),
      h: matrix(maxRows, hp),
      hsum: matrix(1, hp),
      unitGrad: matrix(1, hp),
      out: matrix(maxRows, dp),
      xb: matrix(maxRows, dp),
      dh: matrix(maxRows, hp),
      w2t: matrix(features, hp),
      zeros: matrix(1, Math.max(dp, hp)),
    };
    const slot = (rows: number, cols: number, pitch: number, values: number, gradient: number): Slot => ({
      rows,
      cols,
      pitch,
      values,
      gradient,
      m: matrix(rows, pitch),
      v: matrix(rows, pitch),
    });
    this.slots = [
      slot(features, hidden, hp, at.w1, at.gw1),
      slot(1, hidden, hp, at.b1, at.gb1),
      slot(hidden, features, dp, at.w2, at.gw2),
      slot(1, features, dp, at.b2, at.gb2),
    ];
    ensureWasmMemory(this.exports.memory, end());
    this.at = at;
    new Int32Array(this.exports.memory.buffer, this.layout, LAYOUT_FIELDS.length).set(
      LAYOUT_FIELDS.map((f) => at[f]),
    );
    writeNonZeroRows(this.exports.memory.buffer, x, this.at);
  }

  /** Copies the parameters, the optimiser's moments and its step count into the kernel. */
  load(parameters: AutoencoderParameters, optimizer: SaeOptimizer): void {
    this.checkShapes(parameters);
    this.slots.forEach((s, k) => {
      const { m, v } = optimizer.moments(k);
      this.write(s, s.values, parameters[k].values);
      this.write(s, s.m, m);
      this.write(s, s.v, v);
    });
    this.step = optimizer.iterations;
  }

  /** Copies the parameters, moments and step count back (after an epoch, before validation or a checkpoint). */
  store(parameters: AutoencoderParameters, optimizer: SaeOptimizer): void {
    this.checkShapes(parameters);
    this.slots.forEach((s, k) => {
      const { m, v } = optimizer.moments(k);
      this.read(s, s.values, parameters[k].values);
      this.read(s, s.m, m);
      this.read(s, s.v, v);
    });
    optimizer.setIterations(this.step);
  }

  /** The epoch's row order; `trainBatch` takes its batches as ranges of it. */
  setOrder(order: Int32Array): void {
    new Int32Array(this.exports.memory.buffer, this.order, order.length).set(order);
  }

  /**
   * Forward and backward pass over the rows `order[start .. start + size)` of the last `setOrder`: leaves the
   * four gradients (sums over the batch, as `autoencoderStep` returns them) in the kernel.
   */
  computeGradients(start: number, size: number, penalty: SparsityPenalty): KernelStepResult {
    if (!Number.isInteger(size) || size < 1 || size > this.maxRows) {
      throw new IotIdsError(`AutoencoderKernel: a batch of ${size} rows (at most ${this.maxRows})`);
    }
    const { exports, at } = this;
    const order = this.order + start * 4;
    exports.encode(this.layout, order, size);
    const sums = new Float32Array(exports.memory.buffer, at.hsum, this.hidden);
    const meanActivation = sums.map((s) => s / size);
    const { value, perUnitGradient } = sparsityTerm(meanActivation, penalty);
    new Float32Array(exports.memory.buffer, at.unitGrad, this.hidden).set(perUnitGradient);
    const squaredError = exports.backward(this.layout, size);
    return { reconstructionSum: squaredError / 2, penalty: value };
  }

  /** One Adam update of the kernel's parameters with its gradients times `scale`. */
  applyAdam(constants: AdamStepConstants, scale: number): void {
    this.step++;
    const { beta1, beta2, decay, learningRate, epsilon } = constants;
    // As Adam.apply with 'explicit' bias correction computes them (src/fit/adam.ts).
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    const stepSize = learningRate / correction1;
    const rootScale = 1 / Math.sqrt(correction2);
    this.slots.forEach((s, k) => {
      const plain = scale === 1 && decay[k] === 0 ? 1 : 0;
      this.exports.adam(
        s.values,
        s.gradient,
        s.m,
        s.v,
        s.rows * s.pitch,
        scale,
        decay[k],
        plain,
        beta1,
        beta2,
        stepSize,
        rootScale,
        epsilon,
      );
    });
  }

  /** Copies of the gradients of the last `computeGradients`, in parameter order (for tests). */
  gradients(): Float32Array[] {
    return this.slots.map((s) => {
      const out = new Float32Array(s.rows * s.cols);
      this.read(s, s.gradient, out);
      return out;
    });
  }

  private checkShapes(parameters: AutoencoderParameters): void {
    const [w1, , w2] = parameters;
    if (w1.shape[0] !== this.features || w1.shape[1] !== this.hidden || w2.shape[0] !== this.hidden) {
      throw new IotIdsError(
        `AutoencoderKernel: made for ${this.features} × ${this.hidden}, given an encoder of [${w1.shape.join(', ')}]`,
      );
    }
  }

  private write(s: Slot, to: number, values: Float32Array): void {
    writePitched(this.exports.memory.buffer, to, s, values);
  }

  private read(s: Slot, from: number, out: Float32Array): void {
    readPitched(this.exports.memory.buffer, from, s, out);
  }
}
