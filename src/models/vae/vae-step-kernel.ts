/**
 * The VAE training step of vae-step.ts (same objective, same gradients, same noise) in one hand-written
 * WebAssembly SIMD kernel (wasm/vae-step.c): the batch rows, the noise, every activation and gradient stay
 * in the kernel's memory, and each step is about 60 calls into it (per block of 64 rows) with no engine
 * tensor and no JS loop over a batch-sized array. The training stage has the kernel hold its rows as
 * non-zero lists and gather each batch itself (`holdRows`, `gatherRows`), or writes dense rows into `rows`;
 * the noise is drawn in the kernel (`drawNoise`, bit for bit `fillStandardNormal`'s draws, only Math.log in
 * JS; tests write `noise` themselves). `VaeStep` (tfjs products + JS
 * loops) is the reference the tests compare against; results agree to float rounding, not bit for bit.
 *
 * Every product runs over the non-zero entries of its left operand (one-hot input rows, ReLU outputs and
 * their gated gradients), which skips most of the first layer and about half of the others. In training
 * (`load`, then `trainStep` and `applyAdam` per batch, `store`) the weights and Adam's moments stay in the
 * kernel's memory for an epoch and Adam runs there, bit for bit as src/fit/adam.ts; `store` copies them back
 * for validation, checkpoints and early stopping. `run` instead copies the weights in and the gradients out
 * (`gradients`) on every call, for the tests.
 */
import { IotIdsError } from '../../errors.js';
import { ensureWasmMemory, instantiateWasm } from '../../util/wasm-module.js';
import { bufferLayout } from '../../engine/buffer-layout.js';
import type { Adam } from '../../fit/adam.js';
import type { Random } from '../../util/random.js';
import { PolarNoise } from './polar-noise.js';
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
  gather_rows: Call;
  relu_list: Call;
  rows_times: Call;
  gradient_times: Call;
  gated_gradient: Call;
  column_lists: Call;
  column_sums: Call;
  sample: Call;
  head_gradient: Call;
  reconstruction: Call;
  adam: Call;
  polar_pairs: Call;
  polar_scale: Call;
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
  /** Adam's first and second moments of the weights and biases, in their layouts (`load`). */
  readonly weightM: number;
  readonly weightV: number;
  readonly biasM: number;
  readonly biasV: number;
  /** Whether the backward pass reads `weightsT` (not for the first layer of the encoder, nor a linear layer after a ReLU). */
  readonly transposed: boolean;
  /** Moved along the batch's rows block by block for the first layer (its input is the batch). */
  input: number;
  readonly output: number;
  /** Non-zero lists of the layer input (`starts` moves with `input`). */
  readonly idx: number;
  readonly val: number;
  starts: number;
}

/**
 * Rows per pass through the network (default of `blockRows`): a larger batch runs in blocks of this many
 * rows, its weight gradients summed over the blocks (continuing the sums in row order: the same gradients
 * bit for bit whatever the block), so that a block's activations and gradients stay in the core's cache.
 * 64 rows (≈ 250 KB of the default network's) gave epochs ≈ 4 % shorter than 256 at batch 256 and 512 on
 * KDDTrain+ (bench/vae.ts, alternating runs at load ≈ 1.3); 32 was slower again.
 */
const BLOCK_ROWS = 64;

export class VaeStepKernel {
  /** One buffer per parameter, in `VaeParameters.trainable()` order, filled by `run`. */
  readonly gradients: Float32Array[];
  /** Values a row of `rows` takes: the features rounded up to 4. */
  readonly rowPitch: number;
  private readonly exports: Exports;
  private readonly encoder: LayerPlan[];
  private readonly decoder: LayerPlan[];
  private readonly at: {
    z: number;
    sigma: number;
    noise: number;
    gradientA: number;
    gradientB: number;
    colStarts: number;
    colRows: number;
    colVals: number;
    cursor: number;
    identity: number;
    staging: number;
    order: number;
  };
  /** The training matrix as non-zero lists in the kernel's memory (`holdRows`), or null. */
  private held: { starts: number; idx: number; val: number; rows: number; cols: number } | null = null;
  /** Whether the batch's lists were written by `gatherRows` (else `run` lists the dense `rows`). */
  private listed = false;
  private end: number;
  /** The optimiser whose state `load` put in the kernel, until `store`; its step count meanwhile. */
  private resident: Adam | null = null;
  private adamStep = 0;
  private views: { rows: Float32Array; noise: Float32Array } | null = null;
  private readonly rowsAt: number;
  private readonly polar: PolarNoise;
  private readonly zPitch: number;
  private readonly headPitch: number;

  constructor(
    private readonly params: VaeParameters,
    private readonly settings: VaeLossSettings,
    readonly maxRows: number,
    private readonly blockRows = BLOCK_ROWS,
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
    const plan = (inputs: number, units: number, input: number, transposed: boolean): LayerPlan => {
      const inputPitch = pitchOf(inputs);
      const unitPitch = pitchOf(units);
      const entries = maxRows * inputPitch + 4;
      return {
        transposed,
        inputs,
        units,
        inputPitch,
        unitPitch,
        weights: take(inputs * unitPitch * FLOAT),
        weightsT: take(units * inputPitch * FLOAT),
        bias: take(unitPitch * FLOAT),
        weightGradient: take(inputs * unitPitch * FLOAT),
        biasGradient: take(unitPitch * FLOAT),
        weightM: take(inputs * unitPitch * FLOAT),
        weightV: take(inputs * unitPitch * FLOAT),
        biasM: take(unitPitch * FLOAT),
        biasV: take(unitPitch * FLOAT),
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
    // See `backward`: the encoder's first layer passes no gradient on; the last layer of a chain after a
    // ReLU computes its input gradient from `weights` (gated_gradient).
    params.encoder.forEach((layer, l) => {
      const p = plan(layer.inputs, layer.units, input, l > 0);
      this.encoder.push(p);
      input = p.output;
    });
    this.encoder.push(plan(params.mean.inputs, 2 * latent, input, false));
    const z = matrix(latent);
    this.decoder = [];
    input = z;
    params.decoder.forEach((layer, l) => {
      const p = plan(layer.inputs, layer.units, input, l === 0 || l < params.decoder.length - 1);
      this.decoder.push(p);
      input = p.output;
    });
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
      colStarts: take((widest + 1) * 4),
      colRows: take((maxRows * widest + 4) * 4),
      colVals: take((maxRows * widest + 4) * FLOAT),
      cursor: take(widest * 4),
      identity: take(widest * 4),
      staging: take(largest * FLOAT),
      order: take(maxRows * 4),
    };
    const maxPairs = Math.ceil((maxRows * latent) / 2);
    // Words for about two batches of pairs (a pair takes 2.5 words on average), and at least the 256 from
    // which Random.fillUint32 uses its kernel.
    const wordCapacity = Math.max(256, 6 * maxPairs);
    const polarLayout = {
      words: take(wordCapacity * 4),
      wordCapacity,
      pairs: take(maxPairs * 4 * 8),
      maxPairs,
      kept: take(4),
    };
    // Fresh memory is zeros, and no call writes a padding lane: padding stays 0 from here on.
    this.end = end();
    this.rowsAt = rowsAt;
    const buffer = ensureWasmMemory(this.exports.memory, this.end);
    new Int32Array(buffer, this.at.identity, widest).forEach((_, i, a) => (a[i] = i));
    this.gradients = params.trainable().map(([, values]) => new Float32Array(values.length));
    this.polar = new PolarNoise(this.exports, polarLayout);
  }

  /** maxRows × `rowPitch` batch rows in the kernel's memory (padding columns must stay 0). */
  get rows(): Float32Array {
    return this.currentViews().rows;
  }

  /** maxRows × latentSize standard normal draws, row-major, read by `run`. */
  get noise(): Float32Array {
    return this.currentViews().noise;
  }

  /**
   * `count` (≤ maxRows × latentSize) standard normal draws into `noise`, bit for bit those of
   * `fillStandardNormal(noise, count, random)`, and successive calls with one generator continue its
   * sequence as successive `fillStandardNormal` calls do; but `random` is taken ahead (see PolarNoise) and
   * must not be used for anything else in between.
   */
  drawNoise(count: number, random: Random): void {
    const latent = this.params.latentSize;
    if (!Number.isInteger(count) || count < 0 || count > this.maxRows * latent) {
      throw new IotIdsError(`VaeStepKernel: ${count} draws (at most ${this.maxRows * latent})`);
    }
    this.polar.fill(this.at.noise, count, random);
  }

  /**
   * Keeps `x` (the training rows) in the kernel's memory as per-row lists of its non-zero values, so that
   * `gatherRows` builds a batch without copying dense rows from JS. Returns false, holding nothing, when
   * more than half of the values are non-zero (the lists would be larger than the rows).
   */
  holdRows(x: { rows: number; cols: number; data: Float32Array }): boolean {
    if (x.cols !== this.params.features) {
      throw new IotIdsError(
        `VaeStepKernel: rows of ${x.cols} features, the network takes ${this.params.features}`,
      );
    }
    let nonZeros = 0;
    for (let i = 0; i < x.rows * x.cols; i++) nonZeros += +(x.data[i] !== 0);
    if (nonZeros > 0.5 * x.rows * x.cols) return false;
    const { take, end } = bufferLayout(this.end);
    const held = {
      starts: take((x.rows + 1) * 4),
      idx: take((nonZeros + 4) * 4),
      val: take((nonZeros + 4) * FLOAT),
      rows: x.rows,
      cols: x.cols,
    };
    ensureWasmMemory(this.exports.memory, end());
    // Listed a batch of rows at a time through the batch's dense rows.
    let count = 0;
    for (let start = 0; start < x.rows; start += this.maxRows) {
      const n = Math.min(this.maxRows, x.rows - start);
      const rows = this.rows;
      for (let i = 0; i < n; i++) {
        rows.set(x.data.subarray((start + i) * x.cols, (start + i + 1) * x.cols), i * this.rowPitch);
      }
      count = this.exports.list_nonzeros(
        this.rowsAt,
        n,
        x.cols,
        this.rowPitch,
        held.idx,
        held.val,
        held.starts + start * 4,
        count,
      );
    }
    this.rows.fill(0);
    this.held = held;
    return true;
  }

  /**
   * The batch from rows `order[start, start + n)` of the matrix `holdRows` took: their lists and dense
   * values, for the next `run(n)`.
   */
  gatherRows(order: Int32Array, start: number, n: number): void {
    const held = this.held;
    if (!held) throw new IotIdsError('VaeStepKernel: gatherRows needs holdRows first');
    if (!Number.isInteger(n) || n < 1 || n > this.maxRows || start < 0 || start + n > order.length) {
      throw new IotIdsError(
        `VaeStepKernel: rows [${start}, ${start + n}) of ${order.length} (at most ${this.maxRows})`,
      );
    }
    const memory = this.exports.memory.buffer;
    const indices = order.subarray(start, start + n);
    for (const row of indices) {
      if (row < 0 || row >= held.rows) throw new IotIdsError(`VaeStepKernel: row ${row} of ${held.rows}`);
    }
    // A copy in the kernel's memory, which gather_rows overwrites.
    new Int32Array(memory, this.at.order, n).set(indices);
    const first = this.encoder[0];
    this.exports.gather_rows(
      this.at.order,
      n,
      held.starts,
      held.idx,
      held.val,
      this.rowPitch,
      this.rowsAt,
      first.idx,
      first.val,
      first.starts,
    );
    this.listed = true;
  }

  /**
   * One step over the first `n` rows of `rows` and the first n × latentSize draws of `noise`: fills
   * `gradients` with the gradients of the batch-mean loss and returns the batch's loss sums.
   */
  run(n: number): VaeBatchLoss {
    if (!Number.isInteger(n) || n < 1 || n > this.maxRows) {
      throw new IotIdsError(`VaeStepKernel: a batch of ${n} rows (at most ${this.maxRows})`);
    }
    this.loadWeights();
    const loss = this.compute(n);
    this.readGradients();
    return loss;
  }

  /**
   * Copies the parameters and `adam`'s moments and step count into the kernel, for `trainStep` and
   * `applyAdam` to run on them until `store`. Adam's factors are read at each update (the learning rate may
   * change between steps).
   */
  load(adam: Adam): void {
    const mean = 2 * (this.encoder.length - 1);
    if (adam.decayOf(mean) !== adam.decayOf(mean + 2) || adam.decayOf(mean + 1) !== adam.decayOf(mean + 3)) {
      throw new IotIdsError(
        'VaeStepKernel: μ and log σ² must have the same weight decay (they share a layout)',
      );
    }
    this.trainablePieces().forEach(([p, column, units], k) => {
      const { m, v } = adam.moments(k);
      const [values, mAt, vAt, rows] = this.slot(p, k);
      const source = this.params.trainable()[k][1];
      this.writePiece(source, values, column, rows, units, p.unitPitch);
      this.writePiece(m, mAt, column, rows, units, p.unitPitch);
      this.writePiece(v, vAt, column, rows, units, p.unitPitch);
    });
    this.adamStep = adam.iterations;
    this.resident = adam;
  }

  /** Copies the kernel's parameters, moments and step count back (after an epoch, or when it stops early). */
  store(): void {
    const adam = this.resident;
    if (!adam) throw new IotIdsError('VaeStepKernel: store needs load first');
    const trainable = this.params.trainable();
    this.trainablePieces().forEach(([p, column, units], k) => {
      const { m, v } = adam.moments(k);
      const [values, mAt, vAt, rows] = this.slot(p, k);
      this.readPiece(values, trainable[k][1], column, rows, units, p.unitPitch);
      this.readPiece(mAt, m, column, rows, units, p.unitPitch);
      this.readPiece(vAt, v, column, rows, units, p.unitPitch);
    });
    adam.restoreIterations(this.adamStep, 'vae kernel', 'adam/iterations');
    this.resident = null;
  }

  /**
   * `run` on the weights `load` put in the kernel: leaves the gradients there (for `applyAdam`), not in
   * `gradients`.
   */
  trainStep(n: number): VaeBatchLoss {
    if (!this.resident) throw new IotIdsError('VaeStepKernel: trainStep needs load first');
    if (!Number.isInteger(n) || n < 1 || n > this.maxRows) {
      throw new IotIdsError(`VaeStepKernel: a batch of ${n} rows (at most ${this.maxRows})`);
    }
    this.transposeWeights();
    return this.compute(n);
  }

  /** One update of the loaded parameters with the last `trainStep`'s gradients: `Adam.apply`'s, bit for bit. */
  applyAdam(): void {
    const adam = this.resident;
    if (!adam) throw new IotIdsError('VaeStepKernel: applyAdam needs load first');
    this.adamStep++;
    const { stepSize, rootScale, shift } = adam.stepFactors(this.adamStep);
    const { beta1, beta2 } = adam;
    this.trainablePieces().forEach(([p, column], k) => {
      // The head's μ and log σ² columns share one layout: updated once, by the μ entry, so their decays
      // must agree (the VAE has none).
      if (p === this.encoder[this.encoder.length - 1] && column > 0) return;
      const decay = adam.decayOf(k);
      const [values, mAt, vAt, rows] = this.slot(p, k);
      const gradient = k % 2 === 0 ? p.weightGradient : p.biasGradient;
      const plain = decay === 0 ? 1 : 0;
      const count = rows * p.unitPitch;
      this.exports.adam(
        values,
        gradient,
        mAt,
        vAt,
        count,
        1,
        decay,
        plain,
        beta1,
        beta2,
        stepSize,
        rootScale,
        shift,
      );
    });
  }

  /** The forward and backward pass over the batch's first `n` rows, block by block. */
  private compute(n: number): VaeBatchLoss {
    const first = this.encoder[0];
    const { input, starts } = first;
    if (!this.listed) {
      this.exports.list_nonzeros(input, n, first.inputs, first.inputPitch, first.idx, first.val, starts, 0);
    }
    this.listed = false;
    let reconstructionSum = 0;
    let klSum = 0;
    try {
      for (let from = 0; from < n; from += this.blockRows) {
        first.input = input + from * first.inputPitch * FLOAT;
        first.starts = starts + from * 4;
        const block = this.block(from, Math.min(this.blockRows, n - from), n);
        reconstructionSum += block.reconstructionSum;
        klSum += block.klSum;
      }
    } finally {
      first.input = input;
      first.starts = starts;
    }
    return { reconstructionSum, klSum };
  }

  /**
   * Forward and backward over `rows` rows of the batch from row `from` (the first layer's input already
   * moved there), gradients scaled for the batch's `n` rows and added to the blocks' before.
   */
  private block(from: number, rows: number, n: number): VaeBatchLoss {
    const e = this.exports;
    const { params, settings, at } = this;
    const latent = params.latentSize;
    const accumulate = from > 0 ? 1 : 0;
    const noise = at.noise + from * latent * FLOAT;
    this.forward(this.encoder, rows);
    const head = this.encoder[this.encoder.length - 1];
    const klSum = e.sample(head.output, this.headPitch, noise, rows, latent, at.z, at.sigma, this.zPitch);
    const top = this.decoder[0];
    e.list_nonzeros(top.input, rows, top.inputs, top.inputPitch, top.idx, top.val, top.starts, 0);
    this.forward(this.decoder, rows);
    const out = this.decoder[this.decoder.length - 1];
    const kind = settings.reconstruction === 'bce' ? 0 : 1;
    const first = this.encoder[0];
    const reconstructionSum = e.reconstruction(
      out.output,
      first.input,
      rows,
      params.features,
      this.rowPitch,
      kind,
      1 / n,
      at.gradientA,
    );
    const dz = this.backward(this.decoder, rows, at.gradientA, true, accumulate);
    const headGradient = dz === at.gradientA ? at.gradientB : at.gradientA;
    e.head_gradient(
      head.output,
      this.headPitch,
      dz,
      noise,
      at.sigma,
      this.zPitch,
      rows,
      latent,
      settings.beta / n,
      headGradient,
    );
    this.backward(this.encoder, rows, headGradient, false, accumulate);
    return { reconstructionSum, klSum };
  }

  /** Each layer's output from its input's non-zero lists, ReLU and the next layer's lists but for the last. */
  private forward(chain: readonly LayerPlan[], n: number): void {
    const e = this.exports;
    chain.forEach((p, l) => {
      e.rows_times(p.idx, p.val, p.starts, n, p.weights, p.unitPitch, p.bias, p.output, 0);
      const next = chain[l + 1];
      if (next) e.relu_list(p.output, n, p.units, p.unitPitch, next.idx, next.val, next.starts);
    });
  }

  /**
   * From ∂loss/∂(last layer's output) at `gradient`, each layer's weight and bias gradients (added to what
   * they hold with `accumulate`, for blocks after the first); returns where
   * ∂loss/∂(chain input) was written (one of the two gradient buffers) when `wantInput`, else 0.
   */
  private backward(
    chain: readonly LayerPlan[],
    n: number,
    gradient: number,
    wantInput: boolean,
    accumulate: number,
  ): number {
    const e = this.exports;
    const { at } = this;
    let g = gradient;
    for (let l = chain.length - 1; l >= 0; l--) {
      const p = chain[l];
      // dW = xᵀ · g over the input's non-zeros, listed by column; db = the column sums of g.
      e.column_lists(p.idx, p.val, p.starts, n, p.inputs, at.colStarts, at.colRows, at.colVals, at.cursor);
      e.rows_times(
        at.colRows,
        at.colVals,
        at.colStarts,
        p.inputs,
        g,
        p.unitPitch,
        0,
        p.weightGradient,
        accumulate,
      );
      e.column_sums(g, n, p.unitPitch, p.biasGradient, accumulate);
      if (l === 0 && !wantInput) return 0;
      const next = g === at.gradientA ? at.gradientB : at.gradientA;
      const out = chain[l + 1];
      if (!out && l > 0) {
        // A linear layer after a ReLU: its gradient is dense, the input's gate keeps about half the
        // columns; only those are computed.
        e.gated_gradient(p.idx, p.starts, n, g, p.unitPitch, p.weights, next, p.inputPitch);
      } else {
        // A ReLU layer's gradient is 0 where its output is: read at the output's non-zero list (the next
        // layer's input list). The chain's first input (the rows, or z) has no ReLU in front of it: no gate.
        const [idx, starts] = out ? [out.idx, out.starts] : [at.identity, 0];
        const mask = l > 0 ? p.input : 0;
        e.gradient_times(idx, starts, p.units, g, p.unitPitch, n, p.weightsT, p.inputPitch, mask, next);
      }
      g = next;
    }
    return g;
  }

  /** Views of the batch rows and noise, made again when the memory has grown (growing detaches them). */
  private currentViews(): { rows: Float32Array; noise: Float32Array } {
    const buffer = this.exports.memory.buffer;
    if (this.views?.rows.buffer !== buffer) {
      const { maxRows } = this;
      this.views = {
        rows: new Float32Array(buffer, this.rowsAt, maxRows * this.rowPitch),
        noise: new Float32Array(buffer, this.at.noise, maxRows * this.params.latentSize),
      };
    }
    return this.views;
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
    this.transposeWeights();
  }

  /** The weights' transposes that the backward pass reads. */
  private transposeWeights(): void {
    for (const p of [...this.encoder, ...this.decoder]) {
      if (p.transposed) {
        this.exports.transpose(p.weights, p.weightsT, p.inputs, p.units, p.unitPitch, p.inputPitch);
      }
    }
  }

  /** Each dense layer of `trainable()` as its plan, first column and units there (the head is two: μ, log σ²). */
  private layerPieces(): [LayerPlan, number, number][] {
    const latent = this.params.latentSize;
    const head = this.encoder[this.encoder.length - 1];
    return [
      ...this.encoder.slice(0, -1).map((p): [LayerPlan, number, number] => [p, 0, p.units]),
      [head, 0, latent],
      [head, latent, latent],
      ...this.decoder.map((p): [LayerPlan, number, number] => [p, 0, p.units]),
    ];
  }

  /** Each `trainable()` parameter's layer, first column and units there (a kernel, then its bias). */
  private trainablePieces(): [LayerPlan, number, number][] {
    return this.layerPieces().flatMap((piece) => [piece, piece]);
  }

  /** Where the k-th trainable parameter's values and moments are, and its rows (the inputs, or 1 for a bias). */
  private slot(p: LayerPlan, k: number): [number, number, number, number] {
    return k % 2 === 0 ? [p.weights, p.weightM, p.weightV, p.inputs] : [p.bias, p.biasM, p.biasV, 1];
  }

  /** rows × units values into the kernel at `at` (row pitch `pitch`) from `column` on. */
  private writePiece(
    values: Float32Array,
    at: number,
    column: number,
    rows: number,
    units: number,
    pitch: number,
  ): void {
    const { exports } = this;
    new Float32Array(exports.memory.buffer, this.at.staging, rows * units).set(values);
    exports.place(this.at.staging, at + column * FLOAT, rows, units, units, pitch);
  }

  private readPiece(
    at: number,
    out: Float32Array,
    column: number,
    rows: number,
    units: number,
    pitch: number,
  ): void {
    const { exports } = this;
    exports.place(at + column * FLOAT, this.at.staging, rows, units, pitch, units);
    out.set(new Float32Array(exports.memory.buffer, this.at.staging, rows * units));
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
    const pieces = this.layerPieces();
    const { exports, at } = this;
    const memory = exports.memory.buffer;
    pieces.forEach(([p, column, units], k) => {
      exports.place(p.weightGradient + column * FLOAT, at.staging, p.inputs, units, p.unitPitch, units);
      this.gradients[2 * k].set(new Float32Array(memory, at.staging, p.inputs * units));
      this.gradients[2 * k + 1].set(new Float32Array(memory, p.biasGradient + column * FLOAT, units));
    });
  }
}
