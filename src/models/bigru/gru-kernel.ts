import { IotIdsError } from '../../errors.js';
import { bufferLayout } from '../../engine/buffer-layout.js';
import { ensureWasmMemory, instantiateWasm } from '../../util/wasm-module.js';
import { crossEntropyRow, softmaxRow, type BatchResult } from './output-layer.js';
import type { BiGruParameters, BiGruShape } from './parameters.js';
import { wasmBase64 } from './wasm/gru-train.wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  gru_scratch_base: () => number;
  gru_context_fields: () => number;
  gru_forward: (ctx: number, n: number) => void;
  gru_backward: (ctx: number, n: number, wantDx: number) => void;
  gru_logits: (ctx: number, n: number) => void;
  gru_head_backward: (ctx: number, n: number) => void;
}

/** Context fields, in the order of the C enum (wasm/gru-train.c). */
const FIELDS = [
  'T',
  'F',
  'H',
  'x',
  'wcat',
  'bcat',
  'u0',
  'u1',
  'ut0',
  'ut1',
  'bu0',
  'bu1',
  'gx',
  'hs0',
  'hs1',
  'z0',
  'z1',
  'r0',
  'r1',
  'c0',
  'c1',
  'a0',
  'a1',
  'gh',
  'dh0',
  'dh1',
  'dgx',
  'dgh0',
  'dgh1',
  'dwcat',
  'dbcat',
  'du0',
  'du1',
  'dbu0',
  'dbu1',
  'dx',
  'wcatT',
  'K',
  'wout',
  'woutT',
  'bout',
  'logits',
  'dlogits',
  'dwout',
] as const;
type Field = (typeof FIELDS)[number];
/** The fields that are buffers (the others are sizes). */
type BufferField = Exclude<Field, 'T' | 'F' | 'H' | 'K'>;

const FLOAT = 4;

/** Whether `GruKernelPass` handles this network: reset-after gates and units a multiple of 4. */
export function gruKernelSupports(shape: BiGruShape): boolean {
  return shape.resetAfter && shape.units % 4 === 0;
}

/**
 * The BiGRU's training pass (forward, then backward through time) in the WebAssembly SIMD kernel
 * wasm/gru-train.c, the dense head's products included; the softmax and the cross-entropy run in JS
 * (output-layer.ts, shared with `BiGruPass`).
 * The same interface and results as `BiGruPass` built for training (which stays the reference the tests
 * compare against), for reset-after networks with units a multiple of 4 (`gruKernelSupports`).
 *
 * The batch, the parameters and every intermediate live in the kernel's memory: each `forward` copies the
 * rows and the current parameters in (≈ 10 k parameters for 32 units, against ≈ 46 M multiply-adds a step at batch 256),
 * `backward` copies the gradients out into `gradients`.
 */
export class GruKernelPass {
  /** One buffer per trainable parameter (order of `BiGruParameters.trainable()`), filled by `backward`. */
  readonly gradients: Float32Array[];
  readonly training = true;
  private readonly exports: Exports;
  private readonly ctx: number;
  private readonly view: Record<BufferField, Float32Array>;
  private readonly probabilities: Float32Array;
  private readonly t: number;
  private readonly f: number;
  private readonly h: number;
  private rows = 0;

  constructor(
    private readonly params: BiGruParameters,
    readonly capacity: number,
  ) {
    const { timesteps: t, featuresPerStep: f, units: h, classes: k } = params.shape;
    if (!gruKernelSupports(params.shape)) {
      throw new IotIdsError(
        `bigru: the WebAssembly pass needs resetAfter and units a multiple of 4 (${params.describe()})`,
      );
    }
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new IotIdsError(`bigru: the pass's capacity must be a positive integer, got ${capacity}`);
    }
    this.t = t;
    this.f = f;
    this.h = h;
    const g = 3 * h;
    this.exports = instantiateWasm(wasmBase64, 'gru-train').exports as unknown as Exports;
    if (this.exports.gru_context_fields() !== FIELDS.length) {
      throw new IotIdsError('bigru: the gru-train kernel and its caller disagree on the context layout');
    }
    const { take, end } = bufferLayout(this.exports.gru_scratch_base());
    this.ctx = take(FIELDS.length * 4);
    const nt = capacity * t;
    const sizes: Record<BufferField, number> = {
      x: nt * f,
      wcat: f * 2 * g,
      bcat: 2 * g,
      u0: h * g,
      u1: h * g,
      ut0: g * h,
      ut1: g * h,
      bu0: g,
      bu1: g,
      gx: nt * 2 * g,
      hs0: (t + 1) * capacity * h,
      hs1: (t + 1) * capacity * h,
      z0: nt * h,
      z1: nt * h,
      r0: nt * h,
      r1: nt * h,
      c0: nt * h,
      c1: nt * h,
      a0: nt * h,
      a1: nt * h,
      gh: capacity * g,
      dh0: capacity * h,
      dh1: capacity * h,
      dgx: nt * 2 * g,
      dgh0: nt * g,
      dgh1: nt * g,
      dwcat: f * 2 * g,
      dbcat: 2 * g,
      du0: h * g,
      du1: h * g,
      dbu0: g,
      dbu1: g,
      dx: nt * f,
      wcatT: 2 * g * f,
      wout: 2 * h * k,
      woutT: k * 2 * h,
      bout: k,
      logits: capacity * k,
      dlogits: capacity * k,
      dwout: 2 * h * k,
    };
    const offsets = Object.fromEntries(
      Object.entries(sizes).map(([name, size]) => [name, take(size * FLOAT)]),
    ) as Record<keyof typeof sizes, number>;
    const buffer = ensureWasmMemory(this.exports.memory, end());
    const context = new Int32Array(buffer, this.ctx, FIELDS.length);
    FIELDS.forEach((name, i) => {
      const sizeField = { T: t, F: f, H: h, K: k } as Record<Field, number | undefined>;
      context[i] = sizeField[name] ?? offsets[name as BufferField];
    });
    this.view = Object.fromEntries(
      Object.entries(sizes).map(([name, size]) => [
        name,
        new Float32Array(buffer, offsets[name as keyof typeof sizes], size),
      ]),
    ) as Record<keyof typeof sizes, Float32Array>;
    this.probabilities = new Float32Array(capacity * k);
    this.gradients = params.trainable().map(([, p]) => new Float32Array(p.length));
  }

  /**
   * Class probabilities `[n, classes]` for the first `n` rows of `x` (rows of timesteps × featuresPerStep
   * values). The returned view is overwritten by the next call.
   */
  forward(x: Float32Array, n: number): Float32Array {
    const { t, f } = this;
    if (!(Number.isInteger(n) && n >= 1 && n <= this.capacity) || x.length < n * t * f) {
      throw new IotIdsError(
        `bigru: a batch of ${n} rows needs 1 ≤ n ≤ ${this.capacity} and ${n * t * f} input values, got ${x.length}`,
      );
    }
    this.view.x.set(x.subarray(0, n * t * f));
    this.writeParameters();
    this.exports.gru_forward(this.ctx, n);
    this.exports.gru_logits(this.ctx, n);
    this.rows = n;
    const k = this.params.shape.classes;
    for (let i = 0; i < n; i++) softmaxRow(this.view.logits, i * k, k, this.probabilities, i * k);
    return this.probabilities.subarray(0, n * k);
  }

  /**
   * Gradients of mean(weight · cross-entropy) over the `n` rows of the last `forward` into `gradients`;
   * with `inputGradient`, also d loss / d x (`[n, timesteps·featuresPerStep]`).
   */
  backward(
    labels: Int32Array,
    weights: Float32Array | null,
    n: number,
    inputGradient?: Float32Array,
  ): BatchResult {
    if (n !== this.rows) {
      throw new IotIdsError(`bigru: backward over ${n} rows after a forward pass over ${this.rows}`);
    }
    const { f, h, view } = this;
    const g = 3 * h;
    const grads = this.gradients;
    const last = grads.length;
    const k = this.params.shape.classes;
    const dBias = grads[last - 1];
    dBias.fill(0);
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const entry = crossEntropyRow(this.probabilities, labels, weights, n, k, i, view.dlogits, i * k);
      lossSum += entry.loss;
      if (entry.correct) correct++;
      for (let c = 0; c < k; c++) dBias[c] += view.dlogits[i * k + c];
    }
    this.exports.gru_head_backward(this.ctx, n);
    grads[last - 2].set(view.dwout);
    this.exports.gru_backward(this.ctx, n, inputGradient ? 1 : 0);
    for (let d = 0; d < 2; d++) {
      // trainable() order per direction: kernel, recurrentKernel, bias, recurrentBias.
      const [kernel, recurrentKernel, bias, recurrentBias] = grads.slice(4 * d, 4 * d + 4);
      for (let r = 0; r < f; r++) {
        kernel.set(view.dwcat.subarray(r * 2 * g + d * g, r * 2 * g + (d + 1) * g), r * g);
      }
      bias.set(view.dbcat.subarray(d * g, (d + 1) * g));
      recurrentKernel.set(d === 0 ? view.du0 : view.du1);
      recurrentBias.set(d === 0 ? view.dbu0 : view.dbu1);
    }
    if (inputGradient) inputGradient.set(view.dx.subarray(0, n * this.t * f));
    return { lossSum, correct };
  }

  /** The current parameters into the kernel's memory (Adam changes them between steps). */
  private writeParameters(): void {
    const { f, h, view } = this;
    const g = 3 * h;
    this.params.directions.forEach((direction, d) => {
      const { kernel, recurrentKernel, bias } = direction;
      const recurrentBias = direction.recurrentBias as Float32Array;
      for (let r = 0; r < f; r++) {
        const row = kernel.subarray(r * g, (r + 1) * g);
        view.wcat.set(row, r * 2 * g + d * g);
        for (let c = 0; c < g; c++) view.wcatT[(d * g + c) * f + r] = row[c];
      }
      view.bcat.set(bias, d * g);
      const [u, ut, bu] = d === 0 ? [view.u0, view.ut0, view.bu0] : [view.u1, view.ut1, view.bu1];
      u.set(recurrentKernel);
      for (let r = 0; r < h; r++) for (let c = 0; c < g; c++) ut[c * h + r] = recurrentKernel[r * g + c];
      bu.set(recurrentBias);
    });
    const k = this.params.shape.classes;
    const wout = this.params.outputKernel;
    view.wout.set(wout);
    for (let r = 0; r < 2 * h; r++) for (let c = 0; c < k; c++) view.woutT[c * 2 * h + r] = wout[r * k + c];
    view.bout.set(this.params.outputBias);
  }
}
