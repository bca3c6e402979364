/**
 * The VAE training step of vae-step.ts (same objective, same gradients, same noise) in one hand-written
 * WebAssembly SIMD kernel (wasm/vae-step.c): the batch rows, the noise, every activation and gradient stay
 * in the kernel's memory, and each step is about twenty calls into it with no engine tensor and no JS loop
 * over a batch-sized array. The training stage gathers its rows and draws its noise straight into
 * `rows` / `noise`; `VaeStep` (tfjs products + JS loops) is the reference the tests compare against.
 *
 * Every product runs over the non-zero entries of its left operand (one-hot input rows, ReLU outputs and
 * their gated gradients), which skips most of the first layer and about half of the others. The weights are
 * copied in (with their transposes, for the input gradients) at the start of each step and the gradients out
 * at its end, so the optimiser and checkpoints keep working on the parameter arrays.
 */
import { IotIdsError } from '../../errors.js';
import { ensureWasmMemory, instantiateWasm } from '../../util/wasm-module.js';
import { bufferLayout } from '../../engine/buffer-layout.js';
import type { DenseLayer } from './dense-chain.js';
import type { VaeParameters } from './vae-parameters.js';
import type { VaeBatchLoss, VaeLossSettings } from './vae-step.js';
import { wasmBase64 } from './wasm/vae-step.wasm.js';

type Call = (...args: number[]) => number;

interface Exports {
  memory: WebAssembly.Memory;
  scratch_base: () => number;
  place: Call;
  transpose: Call;
  list_nonzeros: Call;
  relu_list: Call;
  rows_times: Call;
  weight_gradient: Call;
  sample: Call;
  head_gradient: Call;
  reconstruction: Call;
}

const FLOAT = 4;
const pitchOf = (cols: number) => Math.ceil(cols / 4) * 4;

/** Where one layer's buffers are; `input` is the layer input (n × inputPitch), `output` its output. */
interface LayerPlan {
  readonly inputs: number;
  readonly units: number;
  readonly inputPitch: number;
  readonly unitPitch: number;
  readonly weights: number;
  readonly weightsT: number;
  readonly bias: number;
  readonly weightGradient: number;
  readonly biasGradient: number;
  readonly input: number;
  readonly output: number;
  /** Non-zero lists of the layer input. */
  readonly idx: number;
  readonly val: number;
  readonly starts: number;
}

export class VaeStepKernel {
  /** One buffer per parameter, in `VaeParameters.trainable()` order, filled by `run`. */
  readonly gradients: Float32Array[];
  /** maxRows × `rowPitch` batch rows in the kernel's memory (padding columns must stay 0). */
  readonly rows: Float32Array;
  /** Values a row of `rows` takes: the features rounded up to 4. */
  readonly rowPitch: number;
  /** maxRows × latentSize standard normal draws, row-major, read by `run`. */
  readonly noise: Float32Array;
  private readonly exports: Exports;
  private readonly encoder: LayerPlan[];
  private readonly decoder: LayerPlan[];
  private readonly at: {
    z: number;
    sigma: number;
    noise: number;
    gradientA: number;
    gradientB: number;
    gIdx: number;
    gVal: number;
    gStarts: number;
    staging: number;
  };
  private readonly zPitch: number;
  private readonly headPitch: number;

  constructor(
    private readonly params: VaeParameters,
    private readonly settings: VaeLossSettings,
    readonly maxRows: number,
  ) {
    if (!Number.isInteger(maxRows) || maxRows < 1) {
      throw new IotIdsError(`VaeStepKernel: maxRows must be a positive integer, got ${maxRows}`);
    }
    this.exports = instantiateWasm(wasmBase64, 'vae-step').exports as unknown as Exports;
    const { take, end } = bufferLayout(this.exports.scratch_base());
    const latent = params.latentSize;
    const features = params.features;
    this.rowPitch = pitchOf(features);
    this.zPitch = pitchOf(latent);
    this.headPitch = pitchOf(2 * latent);
    const matrix = (cols: number) => take(maxRows * pitchOf(cols) * FLOAT);
    const plan = (inputs: number, units: number, input: number): LayerPlan => {
      const inputPitch = pitchOf(inputs);
      const unitPitch = pitchOf(units);
      const entries = maxRows * inputPitch + 4;
      return {
        inputs,
        units,
        inputPitch,
        unitPitch,
        weights: take(inputs * unitPitch * FLOAT),
        weightsT: take(units * inputPitch * FLOAT),
        bias: take(unitPitch * FLOAT),
        weightGradient: take(inputs * unitPitch * FLOAT),
        biasGradient: take(unitPitch * FLOAT),
        input,
        output: matrix(units),
        idx: take(entries * 4),
        val: take(entries * FLOAT),
        starts: take((maxRows + 1) * 4),
      };
    };
    const rowsAt = matrix(features);
    this.encoder = [];
    let input = rowsAt;
    for (const layer of params.encoder) {
      const p = plan(layer.inputs, layer.units, input);
      this.encoder.push(p);
      input = p.output;
    }
    this.encoder.push(plan(params.mean.inputs, 2 * latent, input));
    const z = matrix(latent);
    this.decoder = [];
    input = z;
    for (const layer of params.decoder) {
      const p = plan(layer.inputs, layer.units, input);
      this.decoder.push(p);
      input = p.output;
    }
    const widest = Math.max(
      ...[...this.encoder, ...this.decoder].map((p) => Math.max(p.unitPitch, p.inputPitch)),
    );
    const largest = Math.max(...params.layers().map(([, l]) => l.inputs * l.units));
    this.at = {
      z,
      sigma: matrix(latent),
      noise: take((maxRows * latent + 4) * FLOAT),
      gradientA: take(maxRows * widest * FLOAT),
      gradientB: take(maxRows * widest * FLOAT),
      gIdx: take((maxRows * widest + 4) * 4),
      gVal: take((maxRows * widest + 4) * FLOAT),
      gStarts: take((maxRows + 1) * 4),
      staging: take(largest * FLOAT),
    };
    // Fresh memory is zeros, and no call writes a padding lane: padding stays 0 from here on.
    const buffer = ensureWasmMemory(this.exports.memory, end());
    this.rows = new Float32Array(buffer, rowsAt, maxRows * this.rowPitch);
    this.noise = new Float32Array(buffer, this.at.noise, maxRows * latent);
    this.gradients = params.trainable().map(([, values]) => new Float32Array(values.length));
  }

  /**
   * One step over the first `n` rows of `rows` and the first n × latentSize draws of `noise`: fills
   * `gradients` with the gradients of the batch-mean loss and returns the batch's loss sums.
   */
  run(n: number): VaeBatchLoss {
    if (!Number.isInteger(n) || n < 1 || n > this.maxRows) {
      throw new IotIdsError(`VaeStepKernel: a batch of ${n} rows (at most ${this.maxRows})`);
    }
    const e = this.exports;
    const { params, settings, at } = this;
    const latent = params.latentSize;
    this.loadWeights();
    const first = this.encoder[0];
    e.list_nonzeros(first.input, n, first.inputs, first.inputPitch, first.idx, first.val, first.starts);
    this.forward(this.encoder, n);
    const head = this.encoder[this.encoder.length - 1];
    const kl = e.sample(head.output, this.headPitch, at.noise, n, latent, at.z, at.sigma, this.zPitch);
    const top = this.decoder[0];
    e.list_nonzeros(top.input, n, top.inputs, top.inputPitch, top.idx, top.val, top.starts);
    this.forward(this.decoder, n);
    const out = this.decoder[this.decoder.length - 1];
    const kind = settings.reconstruction === 'bce' ? 0 : 1;
    const reconstruction = e.reconstruction(
      out.output,
      first.input,
      n,
      params.features,
      this.rowPitch,
      kind,
      1 / n,
      at.gradientA,
    );
    const dz = this.backward(this.decoder, n, at.gradientA, true);
    const headGradient = dz === at.gradientA ? at.gradientB : at.gradientA;
    e.head_gradient(
      head.output,
      this.headPitch,
      dz,
      at.noise,
      at.sigma,
      this.zPitch,
      n,
      latent,
      settings.beta / n,
      headGradient,
    );
    this.backward(this.encoder, n, headGradient, false);
    this.readGradients();
    return { reconstructionSum: reconstruction, klSum: kl };
  }

  /** Each layer's output from its input's non-zero lists, ReLU and the next layer's lists but for the last. */
  private forward(chain: readonly LayerPlan[], n: number): void {
    const e = this.exports;
    chain.forEach((p, l) => {
      e.rows_times(p.idx, p.val, p.starts, n, p.weights, p.unitPitch, p.bias, 0, p.output);
      const next = chain[l + 1];
      if (next) e.relu_list(p.output, n, p.units, p.unitPitch, next.idx, next.val, next.starts);
    });
  }

  /**
   * From ∂loss/∂(last layer's output) at `gradient`, each layer's weight and bias gradients; returns where
   * ∂loss/∂(chain input) was written (one of the two gradient buffers) when `wantInput`, else 0.
   */
  private backward(chain: readonly LayerPlan[], n: number, gradient: number, wantInput: boolean): number {
    const e = this.exports;
    const { at } = this;
    let g = gradient;
    for (let l = chain.length - 1; l >= 0; l--) {
      const p = chain[l];
      e.weight_gradient(
        p.idx,
        p.val,
        p.starts,
        n,
        p.inputs,
        g,
        p.unitPitch,
        p.weightGradient,
        p.biasGradient,
      );
      if (l === 0 && !wantInput) return 0;
      const next = g === at.gradientA ? at.gradientB : at.gradientA;
      e.list_nonzeros(g, n, p.units, p.unitPitch, at.gIdx, at.gVal, at.gStarts);
      // The chain's first input (the rows, or z) has no ReLU in front of it: no gate.
      const mask = l > 0 ? p.input : 0;
      e.rows_times(at.gIdx, at.gVal, at.gStarts, n, p.weightsT, p.inputPitch, 0, mask, next);
      g = next;
    }
    return g;
  }

  /** The parameter arrays into the kernel's padded layouts (μ and log σ² side by side), with transposes. */
  private loadWeights(): void {
    const { params } = this;
    const latent = params.latentSize;
    const head = this.encoder[this.encoder.length - 1];
    params.encoder.forEach((layer, k) => this.loadLayer(layer, this.encoder[k], 0));
    this.loadLayer(params.mean, head, 0);
    this.loadLayer(params.logVar, head, latent);
    params.decoder.forEach((layer, k) => this.loadLayer(layer, this.decoder[k], 0));
    for (const p of [...this.encoder, ...this.decoder]) {
      this.exports.transpose(p.weights, p.weightsT, p.inputs, p.units, p.unitPitch, p.inputPitch);
    }
  }

  private loadLayer(layer: DenseLayer, p: LayerPlan, column: number): void {
    const { exports, at } = this;
    const { inputs, units } = layer;
    const memory = exports.memory.buffer;
    new Float32Array(memory, at.staging, inputs * units).set(layer.kernel);
    exports.place(at.staging, p.weights + column * FLOAT, inputs, units, units, p.unitPitch);
    new Float32Array(memory, p.bias + column * FLOAT, units).set(layer.bias);
  }

  /** The kernel's weight and bias gradients into `gradients`, in `trainable()` order. */
  private readGradients(): void {
    const latent = this.params.latentSize;
    const head = this.encoder[this.encoder.length - 1];
    const pieces: [LayerPlan, number, number][] = [
      ...this.encoder.slice(0, -1).map((p): [LayerPlan, number, number] => [p, 0, p.units]),
      [head, 0, latent],
      [head, latent, latent],
      ...this.decoder.map((p): [LayerPlan, number, number] => [p, 0, p.units]),
    ];
    const { exports, at } = this;
    const memory = exports.memory.buffer;
    pieces.forEach(([p, column, units], k) => {
      exports.place(p.weightGradient + column * FLOAT, at.staging, p.inputs, units, p.unitPitch, units);
      this.gradients[2 * k].set(new Float32Array(memory, at.staging, p.inputs * units));
      this.gradients[2 * k + 1].set(new Float32Array(memory, p.biasGradient + column * FLOAT, units));
    });
  }
}
