import { BatchNormBlockKernel, ops, SparseRowsProducts } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Random } from '../../util/random.js';
import type { FcnnParameters } from './parameters.js';
import { transposed } from '../transpose.js';
import { softmaxCrossEntropy } from './softmax-loss.js';

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
 * Forward and backward pass of one mini-batch, written out by hand, in the engine's WebAssembly kernels:
 * - every dense layer's forward product z = a · W (+ bias for the output layer) and weight gradient
 *   dW = aᵀ · dz run in `SparseRowsProducts` (one per layer), which skips the terms whose input is zero:
 *   the first layer's input is one-hot encoded features (≈ 14 of KDD's 122 are non-zero), the others'
 *   are ReLU-and-dropout outputs (ReLU zeros about half, dropout 30 % of the rest). Skipping a zero term changes no sum, and the
 *   sums run in the order of the engine's matmul, so the results are bit for bit those of the tfjs
 *   products these replaced (the probability hashes of bench/probability-hashes.ts did not move);
 * - the input gradients dh = dz · Wᵀ (dense; Wᵀ copied in JS, it is small: the transposed wasm matmul is
 *   2–3× slower) in the engine's matmul;
 * - the element loops between them — BatchNorm statistics and gradient, ReLU, dropout — in
 *   `BatchNormBlockKernel` (one per block, double lanes, bit for bit the JS loops they replaced); the
 *   per-unit arithmetic, the dropout draws and softmax cross-entropy in JS.
 * Only the pre-activations z and the activations a are kept from the forward pass (inside the block
 * kernel): x̂ is recomputed from z, and the ReLU-and-dropout gate is recovered from a (> 0 exactly where it
 * passed).
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
  private logits = new Float32Array(0);
  /** Per dense layer (hidden blocks, then the output layer): its products over the non-zero inputs. */
  private layers: SparseRowsProducts[] = [];
  private preActivationBuffers: Float32Array[] = [];

  constructor(
    private readonly params: FcnnParameters,
    readonly dropout: number,
    /** Focal loss exponent γ (focal-loss.ts); 0 is plain cross-entropy. */
    readonly focalGamma = 0,
  ) {
    if (!(dropout >= 0 && dropout < 1))
      throw new IotIdsError(`fcnn: dropout must be in [0, 1), got ${dropout}`);
    if (!(focalGamma >= 0 && Number.isFinite(focalGamma)))
      throw new IotIdsError(`fcnn: focalGamma must be a finite number ≥ 0, got ${focalGamma}`);
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
    const blocks = params.hidden;
    const output = params.output;
    const layers = this.layers;
    // Forward: every dense layer in the sparse-rows kernel (its input rows are one-hot features, then
    // ReLU-and-dropout outputs: mostly zeros).
    blocks.forEach((block, b) => {
      layers[b].setRows(b === 0 ? x : this.activations[b - 1], n);
      this.preActivations[b] = this.preActivationBuffers[b].subarray(0, n * block.units);
      layers[b].forward(block.kernel, this.preActivations[b]);
      this.blockForward(b, n, random);
    });
    const top = layers[blocks.length];
    top.setRows(this.activations[blocks.length - 1], n);
    const logits = this.logits.subarray(0, n * output.units);
    top.forward(output.kernel, logits, output.bias);
    const result = softmaxCrossEntropy(
      {
        logits,
        gradient: this.logitGradient,
        biasGradient: this.gradients[this.gradients.length - 1],
        pitch: output.units,
      },
      labels,
      weights,
      n,
      output.units,
      this.focalGamma,
    );

    // Backward: weight gradients in the sparse-rows kernel (xᵀ · dz over the non-zero inputs); the input
    // gradients dh = dz · Wᵀ (dense) in the engine's matmul, one tidy per step releasing its tensors.
    const last = this.gradients.length;
    top.weightGradient(this.logitGradient, this.gradients[last - 2]);
    let gradient: Float32Array = this.logitGradient.subarray(0, n * output.units);
    let upstream: { readonly inputs: number; readonly units: number; readonly kernel: Float32Array } = output;
    for (let b = blocks.length - 1; b >= 0; b--) {
      const block = blocks[b];
      const dz = gradient;
      const from = upstream;
      // Disposed by hand rather than in a tidy: tidy would walk the returned typed array's elements.
      const left = ops.tensor2d(dz, [n, from.units]);
      const right = ops.tensor2d(transposed(from.kernel, from.inputs, from.units), [from.units, from.inputs]);
      const dh = ops.matMul(left, right);
      const values = dh.dataSync() as Float32Array;
      ops.dispose([left, right, dh]);
      this.blockBackward(b, values, n);
      layers[b].weightGradient(values, this.gradients[3 * b]);
      gradient = values;
      upstream = block;
    }
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
    // The same words as a nextUint32 loop, from a WebAssembly kernel (the loop was ≈ 5 % of an epoch).
    if (this.dropThreshold > 0) random.fillUint32(kernel.drawWords());
    kernel.normaliseReluDropout(scale, shift, this.dropThreshold, 0.5 * this.keepScale, this.activations[b]);
  }

  /**
   * Turns dh (`[n, units]`) into dz and writes dγ, dβ:
   * dz = γ / σ · (dy − mean(dy) − x̂ · mean(dy · x̂)) with dy = dh · gate, dβ = Σ dy, dγ = Σ dy · x̂.
   * dz replaces dh in place.
   */
  private blockBackward(b: number, dh: Float32Array, n: number): void {
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
    kernel.gradient(c1, c2, c3, dh, null);
  }

  /** Grows the scratch buffers to hold `n` rows (they are reused across batches). */
  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const { hidden, output } = this.params;
    this.activations = hidden.map((b) => new Float32Array(n * b.units));
    this.preActivationBuffers = hidden.map((b) => new Float32Array(n * b.units));
    this.blockKernels = hidden.map((b) => new BatchNormBlockKernel(n * b.units, b.units));
    this.layers = [...hidden, output].map((l) => new SparseRowsProducts(l.inputs, l.units, n));
    this.logits = new Float32Array(n * output.units);
    this.logitGradient = new Float32Array(n * output.units);
    this.capacity = n;
  }
}
