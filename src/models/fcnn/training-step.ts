import {
  BatchNormBlockKernel,
  ops,
  SparseRowsProducts,
  type Tensor,
  type Tensor2D,
} from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Random } from '../../util/random.js';
import type { FcnnParameters } from './parameters.js';
import { transposed } from '../transpose.js';

/** BatchNorm conventions of the network (fixed, documented on FcnnClassifier). */
export const BATCH_NORM_MOMENTUM = 0.9;
export const BATCH_NORM_EPSILON = 1e-3;

export interface BatchResult {
  /** Σ weight · cross-entropy over the batch's rows (divide by the row count for the mean). */
  lossSum: number;
  /** Rows whose arg-max logit is their label (training mode: dropout on, batch statistics). */
  correct: number;
}

/**
 * Forward and backward pass of one mini-batch, written out by hand: the engine multiplies the matrices
 * (8 products for two hidden blocks); the element loops between them — BatchNorm statistics and gradient,
 * ReLU, dropout — run in the engine's BatchNormBlockKernel (wasm, double lanes, bit for bit the JS loops
 * they replaced), the per-unit arithmetic and softmax cross-entropy in JS. On this backend a kernel
 * launch costs about as much as a JS pass over a 256 × 128 block, and the tape, `customGrad` and the
 * broadcasting multiplies of the layer-by-layer route ran ~90 kernels per step.
 *
 * The first block's two products, z = x · W and dW = xᵀ · dz, run in the engine's sparse-rows kernel
 * (`SparseRowsProducts`): its input is the feature rows, mostly zeros once one-hot encoded, and the kernel
 * skips the zero terms (about 8/9 of the work on KDD's 122 features; no input gradient is needed there).
 * Every other product keeps both operands untransposed (the transposed wasm matmul is 2–3× slower):
 * z = a · W, dh = dz · Wᵀ (Wᵀ copied in JS, it is small) and dWᵀ = dzᵀ · a, reusing the forward activation
 * tensors; the backward kernel writes dz both ways (row-major only for the first block). Only the pre-activations z and the activations a are kept from the forward pass:
 * x̂ is recomputed from z, and the ReLU-and-dropout gate is recovered from a (> 0 exactly where it passed).
 *
 * Gradients are those of mean(weight · cross-entropy) over the batch (Keras `sample_weight` semantics), in
 * the order of `FcnnParameters.trainable()`. BatchNorm's moving statistics move towards the batch's (biased)
 * mean and variance with momentum `BATCH_NORM_MOMENTUM`.
 */
export class TrainingStep {
  /** One buffer per trainable parameter, filled by `run`. */
  readonly gradients: Float32Array[];
  private readonly keepScale: number;
  private readonly dropThreshold: number;
  private capacity = 0;
  /** Per block: the activations a (`[n, units]`) and the batch statistics of the last forward pass. */
  private activations: Float32Array[] = [];
  /** Per block: its BatchNorm → ReLU → dropout loops and their gradient (wasm, double lanes). */
  private blockKernels: BatchNormBlockKernel[] = [];
  private readonly preActivations: Float32Array[] = [];
  private readonly means: Float64Array[];
  private readonly inverseStds: Float64Array[];
  private logitGradient = new Float32Array(0);
  private logitGradientT = new Float32Array(0);
  private gradientT = new Float32Array(0);
  /** The first block's products over the non-zero inputs (sized with the other scratch buffers). */
  private inputLayer: SparseRowsProducts | null = null;
  private inputPreActivations = new Float32Array(0);

  constructor(
    private readonly params: FcnnParameters,
    readonly dropout: number,
  ) {
    if (!(dropout >= 0 && dropout < 1))
      throw new IotIdsError(`fcnn: dropout must be in [0, 1), got ${dropout}`);
    this.keepScale = 1 / (1 - dropout);
    // Each 32-bit draw decides two elements (16 bits each), so the rate is honoured to 1/65536.
    this.dropThreshold = Math.round(dropout * 65536);
    this.gradients = params.trainable().map(([, p]) => new Float32Array(p.length));
    this.means = params.hidden.map((b) => new Float64Array(b.units));
    this.inverseStds = params.hidden.map((b) => new Float64Array(b.units));
  }

  /**
   * Fills `gradients` for the `n` rows of `x` (`[n, inputs]` row-major), `labels` and optional per-row
   * `weights`, updates the moving statistics and returns the batch's loss sum and correct count. `random`
   * draws the dropout masks (unused when dropout is 0).
   */
  run(
    x: Float32Array,
    labels: Int32Array,
    weights: Float32Array | null,
    n: number,
    random: Random,
  ): BatchResult {
    const { params } = this;
    if (x.length < n * params.inputs || labels.length < n) {
      throw new IotIdsError(`fcnn: batch of ${n} rows needs ${n * params.inputs} features and ${n} labels`);
    }
    this.reserve(n);
    let result: BatchResult = { lossSum: 0, correct: 0 };
    // One tidy per step releases every tensor of the step, whatever path it leaves by.
    ops.tidy(() => {
      const blocks = params.hidden;
      const output = params.output;
      const inputLayer = this.inputLayer!;
      // Inputs of each dense layer after the first; index b is the input of block b (index 0 unused: the
      // sparse-rows kernel holds x), the last one feeds the output layer.
      const inputs: (Tensor2D | null)[] = [null];
      blocks.forEach((block, b) => {
        if (b === 0) {
          inputLayer.setRows(x, n);
          this.preActivations[0] = this.inputPreActivations.subarray(0, n * block.units);
          inputLayer.forward(block.kernel, this.preActivations[0]);
        } else {
          const z = ops.matMul(inputs[b]!, ops.tensor2d(block.kernel, [block.inputs, block.units]));
          this.preActivations[b] = z.dataSync() as Float32Array;
          z.dispose();
        }
        this.blockForward(b, n, random);
        inputs.push(ops.tensor2d(this.activations[b].subarray(0, n * block.units), [n, block.units]));
      });
      const logits = ops.fusedMatMul({
        a: inputs[blocks.length]!,
        b: ops.tensor2d(output.kernel, [output.inputs, output.units]),
        bias: ops.tensor1d(output.bias),
      });
      result = this.softmaxCrossEntropy(logits.dataSync() as Float32Array, labels, weights, n);
      logits.dispose();

      const k = output.units;
      const last = this.gradients.length;
      this.readKernelGradient(
        ops.matMul(ops.tensor2d(this.logitGradientT.subarray(0, k * n), [k, n]), inputs[blocks.length]!),
        this.gradients[last - 2],
        output.inputs,
        k,
      );
      let gradient = ops.tensor2d(this.logitGradient.subarray(0, n * k), [n, k]);
      let upstream: { readonly inputs: number; readonly units: number; readonly kernel: Float32Array } =
        output;
      for (let b = blocks.length - 1; b >= 0; b--) {
        const block = blocks[b];
        const dh = ops.matMul(
          gradient,
          ops.tensor2d(transposed(upstream.kernel, upstream.inputs, upstream.units), [
            upstream.units,
            upstream.inputs,
          ]),
        );
        const values = dh.dataSync() as Float32Array;
        dh.dispose();
        // Block 0's weight gradient takes dz row-major (the sparse-rows kernel), the others dzᵀ.
        this.blockBackward(b, values, n, b === 0 ? 'row-major' : 'both');
        const u = block.units;
        if (b === 0) {
          inputLayer.weightGradient(values, this.gradients[0]);
        } else {
          this.readKernelGradient(
            ops.matMul(ops.tensor2d(this.gradientT.subarray(0, u * n), [u, n]), inputs[b]!),
            this.gradients[3 * b],
            block.inputs,
            u,
          );
        }
        if (b > 0) gradient = ops.tensor2d(values, [n, u]);
        upstream = block;
      }
    });
    return result;
  }

  /**
   * BatchNorm (batch statistics) → ReLU → dropout on the pre-activations of block `b`, into `activations[b]`.
   * The element loops run in the engine's BatchNormBlockKernel (branch-free: ReLU as (y + |y|) / 2, exact;
   * the keep decision from a comparison, since half of all elements go each way at random); the per-unit
   * statistics here. The dropout draws are 16 bits each, two per 32-bit word of `random`.
   */
  private blockForward(b: number, n: number, random: Random): void {
    const block = this.params.hidden[b];
    const kernel = this.blockKernels[b];
    const u = block.units;
    const mean = this.means[b];
    const inverseStd = this.inverseStds[b];
    const sumSquares = new Float64Array(u);
    kernel.load(this.preActivations[b], n, u, mean, sumSquares);
    const momentum = BATCH_NORM_MOMENTUM;
    const scale = new Float64Array(u);
    const shift = new Float64Array(u);
    for (let j = 0; j < u; j++) {
      mean[j] /= n;
      const variance = Math.max(0, sumSquares[j] / n - mean[j] * mean[j]);
      inverseStd[j] = 1 / Math.sqrt(variance + BATCH_NORM_EPSILON);
      scale[j] = block.gamma[j] * inverseStd[j];
      shift[j] = block.beta[j] - mean[j] * scale[j];
      block.movingMean[j] = momentum * block.movingMean[j] + (1 - momentum) * mean[j];
      block.movingVariance[j] = momentum * block.movingVariance[j] + (1 - momentum) * variance;
    }
    if (this.dropThreshold > 0) {
      const words = kernel.drawWords();
      for (let w = 0; w < words.length; w++) words[w] = random.nextUint32();
    }
    kernel.normaliseReluDropout(scale, shift, this.dropThreshold, 0.5 * this.keepScale, this.activations[b]);
  }

  /**
   * Turns dh (`[n, units]`) into dz and writes dγ, dβ:
   * dz = γ / σ · (dy − mean(dy) − x̂ · mean(dy · x̂)) with dy = dh · gate, dβ = Σ dy, dγ = Σ dy · x̂.
   * `layout`: dz in place of dh (`row-major`), or also its transpose into `gradientT` (`both`).
   */
  private blockBackward(b: number, dh: Float32Array, n: number, layout: 'row-major' | 'both'): void {
    const block = this.params.hidden[b];
    const kernel = this.blockKernels[b];
    const u = block.units;
    const mean = this.means[b];
    const inverseStd = this.inverseStds[b];
    const sumDy = new Float64Array(u);
    const sumDyZ = new Float64Array(u);
    kernel.gate(dh, this.keepScale, sumDy, sumDyZ);
    const dGamma = this.gradients[3 * b + 1];
    const dBeta = this.gradients[3 * b + 2];
    // dz = c1·dy + c2·z + c3 per unit, with x̂ = (z − μ)/σ expanded.
    const c1 = new Float64Array(u);
    const c2 = new Float64Array(u);
    const c3 = new Float64Array(u);
    for (let j = 0; j < u; j++) {
      const sumDyXhat = (sumDyZ[j] - mean[j] * sumDy[j]) * inverseStd[j];
      dBeta[j] = sumDy[j];
      dGamma[j] = sumDyXhat;
      const scale = block.gamma[j] * inverseStd[j];
      const meanDyXhat = sumDyXhat / n;
      c1[j] = scale;
      c2[j] = -scale * meanDyXhat * inverseStd[j];
      c3[j] = -scale * (sumDy[j] / n - meanDyXhat * mean[j] * inverseStd[j]);
    }
    kernel.gradient(c1, c2, c3, dh, layout === 'both' ? this.gradientT : null);
  }

  /** Softmax cross-entropy on `[n, k]` logits; writes dlogits both ways and the output bias gradient. */
  private softmaxCrossEntropy(
    logits: Float32Array,
    labels: Int32Array,
    weights: Float32Array | null,
    n: number,
  ): BatchResult {
    const k = this.params.output.units;
    const gradient = this.logitGradient;
    const gradientT = this.logitGradientT;
    const biasGradient = this.gradients[this.gradients.length - 1];
    biasGradient.fill(0);
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = i * k;
      const label = labels[i];
      if (!(label >= 0 && label < k))
        throw new IotIdsError(`fcnn: label ${label} of batch row ${i} is outside [0, ${k})`);
      let max = logits[row];
      let best = 0;
      for (let c = 1; c < k; c++) {
        if (logits[row + c] > max) {
          max = logits[row + c];
          best = c;
        }
      }
      if (best === label) correct++;
      let total = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(logits[row + c] - max);
        gradient[row + c] = e;
        total += e;
      }
      const weight = weights === null ? 1 : weights[i];
      lossSum += weight * (Math.log(total) - (logits[row + label] - max));
      const scale = weight / n;
      for (let c = 0; c < k; c++) {
        const g = (gradient[row + c] / total - (c === label ? 1 : 0)) * scale;
        gradient[row + c] = g;
        gradientT[c * n + i] = g;
        biasGradient[c] += g;
      }
    }
    return { lossSum, correct };
  }

  /** Reads a `[units, inputs]` product (a transposed kernel gradient) into `target` (`[inputs, units]`). */
  private readKernelGradient(product: Tensor, target: Float32Array, inputs: number, units: number): void {
    const values = product.dataSync() as Float32Array;
    product.dispose();
    for (let j = 0; j < units; j++) {
      const row = j * inputs;
      for (let r = 0; r < inputs; r++) target[r * units + j] = values[row + r];
    }
  }

  /** Grows the scratch buffers to hold `n` rows (they are reused across batches). */
  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const widest = Math.max(...this.params.hidden.map((b) => b.units));
    this.activations = this.params.hidden.map((b) => new Float32Array(n * b.units));
    this.blockKernels = this.params.hidden.map((h) => new BatchNormBlockKernel(n * h.units, h.units));
    this.gradientT = new Float32Array(n * widest);
    this.logitGradient = new Float32Array(n * this.params.output.units);
    this.logitGradientT = new Float32Array(n * this.params.output.units);
    const first = this.params.hidden[0];
    this.inputLayer = new SparseRowsProducts(first.inputs, first.units, n);
    this.inputPreActivations = new Float32Array(n * first.units);
    this.capacity = n;
  }
}
