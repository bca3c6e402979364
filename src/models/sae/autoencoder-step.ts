/**
 * Forward and hand-written backward pass of the sparse autoencoder, one `tf.tidy` per step. The tape
 * (`tf.variableGrads`) runs ~40 kernels for this network plus the optimiser's; written out it is 17, the
 * only Transpose left is of the hidden activations (Xᵀ and W₂ᵀ arrive from JS), and the KL gradient, a
 * function of 64 means, is computed in JS and added as the bias of the fused δh product.
 *
 * Objective per batch of B rows (Ng's sparse autoencoder, the formulation β = 3 comes from):
 *   J = (1/B) Σᵢ ½‖rᵢ − xᵢ‖²  +  penalty  +  (λ/2)(‖W₁‖² + ‖W₂‖²)
 *   h = σ(x W₁ + b₁),  r = σ(h W₂ + b₂)
 *   penalty 'kl': β Σⱼ KL(ρ ‖ ρ̂ⱼ), ρ̂ⱼ = mean activation of unit j over the batch
 *   penalty 'l1': l1 · (1/B) Σᵢ Σⱼ |hᵢⱼ|
 * The weight decay term is left to the optimiser (it adds λ·W to the gradient).
 *
 * Training runs the whole step in wasm (autoencoder-kernel.ts); this tfjs step is the reference its tests
 * compare it with. With `encoderProducts` (the engine's `SparseRowsProducts`) the encoder's forward
 * product x W₁ + b₁ and its weight gradient xᵀ δh run over the non-zero inputs only, in wasm: the rows are
 * one-hot encoded features, ≈ 14 of KDD's 122 non-zero. Without it every product runs in the engine's
 * matmul — the reference the tests compare the sparse path with. The decoder's products stay in the
 * engine: h is dense (sigmoid), and hᵀ δout through the same kernel measured no faster per step at batch
 * 256 and ≈ 10 % slower at 1024 (its weight gradient re-reads and re-writes a row of the result per input).
 */
import {
  predictInBatches,
  ops,
  type SparseRowsProducts,
  type Tensor,
  type Tensor2D,
} from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Parameter } from './parameters.js';
import { transposed } from '../transpose.js';
import { rowBatches, type RowBatch } from './row-batches.js';

export interface SparsityPenalty {
  readonly kind: 'kl' | 'l1';
  /** Target mean activation (KL). */
  readonly rho: number;
  /** Weight of the KL term. */
  readonly beta: number;
  /** Weight of the L1 activity term. */
  readonly l1: number;
}

/** `[encoderKernel D×H, encoderBias H, decoderKernel H×D, decoderBias D]`. */
export type AutoencoderParameters = readonly [Parameter, Parameter, Parameter, Parameter];

export interface AutoencoderStep {
  /** Gradients of B·(J without weight decay), in parameter order: sums over the batch. */
  readonly gradients: Float32Array[];
  /** Σᵢ ½‖rᵢ − xᵢ‖² over the batch. */
  readonly reconstructionSum: number;
  /** The sparsity term of J for this batch. */
  readonly penalty: number;
}

// Keeps ρ̂ inside (0, 1): a saturated unit would otherwise make the KL term and its gradient infinite.
const ACTIVATION_FLOOR = 1e-6;

export function autoencoderStep(
  batch: RowBatch,
  parameters: AutoencoderParameters,
  penalty: SparsityPenalty,
  encoderProducts?: SparseRowsProducts,
): AutoencoderStep {
  const [w1, b1, w2, b2] = parameters;
  const [features, hidden] = w1.shape;
  const rows = batch.size;
  const sparse = encoderProducts !== undefined;
  let encoderPreActivation: Float32Array | null = null;
  if (sparse) {
    // z = x W₁ + b₁ over the non-zero inputs only (one-hot rows: ≈ 14 of KDD's 122).
    checkProducts(encoderProducts, features, hidden, rows);
    encoderProducts.setRows(batch.xs, rows);
    encoderPreActivation = new Float32Array(rows * hidden);
    encoderProducts.forward(w1.values, encoderPreActivation, b1.values);
  } else if (batch.xsT.length < (features + 1) * rows) {
    throw new IotIdsError('sae: the dense autoencoder step needs the batch built with its transpose (xsT)');
  }
  let penaltyValue = 0;
  const outputs = ops.tidy(() => {
    const xs = ops.tensor2d(batch.xs, [rows, features]);
    const h =
      encoderPreActivation !== null
        ? ops.sigmoid(ops.tensor2d(encoderPreActivation, [rows, hidden]))
        : ops.fusedMatMul({
            a: xs,
            b: ops.tensor2d(w1.values, [features, hidden]),
            bias: ops.tensor1d(b1.values),
            activation: 'sigmoid',
          });
    const r = ops.fusedMatMul({
      a: h,
      b: ops.tensor2d(w2.values, [hidden, features]),
      bias: ops.tensor1d(b2.values),
      activation: 'sigmoid',
    });
    const error = ops.sub(r, xs);
    const squaredError = ops.sum(ops.square(error));
    // ∂(½‖r − x‖²)/∂(pre-activation) = (r − x) · r · (1 − r)
    const outputDelta = ops.mul(ops.mul(error, r), ops.sub(1, r));
    const decoderKernelGrad = ops.matMul(ops.transpose(h), outputDelta);
    const decoderBiasGrad = ops.sum(outputDelta, 0);
    const meanActivation = ops.mean(h, 0).dataSync() as Float32Array;
    const { value, perUnitGradient } = sparsityTerm(meanActivation, penalty);
    penaltyValue = value;
    // δh = δout · W₂ᵀ + ∂penalty/∂h (the same for every row), in one fused kernel.
    const hiddenGrad = ops.fusedMatMul({
      a: outputDelta,
      b: ops.tensor2d(transposed(w2.values, hidden, features), [features, hidden]),
      bias: ops.tensor1d(perUnitGradient),
    });
    const hiddenDelta = ops.mul(ops.mul(hiddenGrad, h), ops.sub(1, h));
    // Sparse path: δh goes back to JS for the kernel's xᵀ·δh. Dense path: [Xᵀ; 1ᵀ]·δh, the encoder
    // kernel's gradient and, in its last row, the bias's.
    const encoderGrads = sparse
      ? hiddenDelta
      : ops.matMul(ops.tensor2d(batch.xsT, [features + 1, rows]), hiddenDelta);
    return [encoderGrads, decoderKernelGrad, decoderBiasGrad, squaredError];
  });
  const [encoderGrads, decoderKernelGrad, decoderBiasGrad, squaredError] = outputs.map(
    (t) => t.dataSync() as Float32Array,
  );
  ops.dispose(outputs);
  let encoderKernelGrad: Float32Array;
  let encoderBiasGrad: Float32Array;
  if (sparse) {
    encoderKernelGrad = new Float32Array(features * hidden);
    encoderProducts.weightGradient(encoderGrads, encoderKernelGrad);
    encoderBiasGrad = columnSums(encoderGrads, rows, hidden);
  } else {
    encoderKernelGrad = encoderGrads.subarray(0, features * hidden);
    encoderBiasGrad = encoderGrads.subarray(features * hidden);
  }
  return {
    gradients: [encoderKernelGrad, encoderBiasGrad, decoderKernelGrad, decoderBiasGrad],
    reconstructionSum: squaredError[0] / 2,
    penalty: penaltyValue,
  };
}

function checkProducts(products: SparseRowsProducts, features: number, hidden: number, rows: number): void {
  if (products.inputs !== features || products.units !== hidden || products.maxRows < rows) {
    throw new IotIdsError(
      `sae: encoder products for ${products.inputs} × ${products.units} and ≤ ${products.maxRows} rows ` +
        `cannot run a ${features} × ${hidden} encoder on ${rows} rows`,
    );
  }
}

/** Σᵢ δᵢ per column, float32 sums in row order (the order of the ones-row product it replaces). */
function columnSums(values: Float32Array, rows: number, cols: number): Float32Array {
  const sums = new Float32Array(cols);
  for (let i = 0; i < rows; i++) {
    const from = i * cols;
    for (let j = 0; j < cols; j++) sums[j] += values[from + j];
  }
  return sums;
}

/**
 * The penalty's value and its derivative with respect to each hᵢⱼ times B (the same for all rows i), from
 * the batch's mean activations. With sigmoid units h > 0, so |h| = h and the L1 derivative is constant.
 */
export function sparsityTerm(
  meanActivation: Float32Array,
  penalty: SparsityPenalty,
): { value: number; perUnitGradient: Float32Array } {
  const units = meanActivation.length;
  const perUnitGradient = new Float32Array(units);
  let value = 0;
  if (penalty.kind === 'l1') {
    for (let j = 0; j < units; j++) value += meanActivation[j];
    perUnitGradient.fill(penalty.l1);
    return { value: penalty.l1 * value, perUnitGradient };
  }
  const { rho, beta } = penalty;
  for (let j = 0; j < units; j++) {
    const q = Math.min(Math.max(meanActivation[j], ACTIVATION_FLOOR), 1 - ACTIVATION_FLOOR);
    value += rho * Math.log(rho / q) + (1 - rho) * Math.log((1 - rho) / (1 - q));
    perUnitGradient[j] = beta * (-rho / q + (1 - rho) / (1 - q));
  }
  return { value: beta * value, perUnitGradient };
}

/** σ(x W₁ + b₁) for a batch already on the engine. */
export function encode(xs: Tensor2D, encoderKernel: Parameter, encoderBias: Parameter): Tensor2D {
  return ops.fusedMatMul({
    a: xs,
    b: ops.tensor2d(encoderKernel.values, encoderKernel.shape as [number, number]),
    bias: ops.tensor1d(encoderBias.values),
    activation: 'sigmoid',
  }) as Tensor2D;
}

/**
 * Mean over the rows of ½‖r − x‖² (the reconstruction part of J), and the mean activation of every
 * hidden unit, computed in batches without any penalty or gradient.
 */
export function reconstructionStats(
  x: Matrix,
  parameters: AutoencoderParameters,
  batchSize = 8192,
): { reconstruction: number; meanActivation: Float64Array } {
  const [w1, b1, w2, b2] = parameters;
  const [features, hidden] = w1.shape;
  const inOrder = Int32Array.from({ length: x.rows }, (_, i) => i);
  let squaredError = 0;
  const activationSums = new Float64Array(hidden);
  for (const batch of rowBatches(x, inOrder, batchSize, { transposed: false })) {
    const [sse, activations] = ops.tidy(() => {
      const xs = ops.tensor2d(batch.xs, [batch.size, features]);
      const h = encode(xs, w1, b1);
      const r = ops.fusedMatMul({
        a: h,
        b: ops.tensor2d(w2.values, [hidden, features]),
        bias: ops.tensor1d(b2.values),
        activation: 'sigmoid',
      });
      return [ops.sum(ops.square(ops.sub(r, xs))), ops.sum(h, 0)] as [Tensor, Tensor];
    });
    squaredError += sse.dataSync()[0];
    const sums = activations.dataSync();
    for (let j = 0; j < hidden; j++) activationSums[j] += sums[j];
    ops.dispose([sse, activations]);
  }
  const rows = Math.max(x.rows, 1);
  return { reconstruction: squaredError / 2 / rows, meanActivation: activationSums.map((s) => s / rows) };
}

/** ½‖r − x‖² of every row of `x` (the per-row reconstruction loss the training minimises). */
export function rowReconstructionErrors(x: Matrix, parameters: AutoencoderParameters): Float32Array {
  const [w1, b1, w2, b2] = parameters;
  const [features, hidden] = w1.shape;
  if (x.rows === 0) return new Float32Array(0);
  return predictInBatches(x, (xs) => {
    const r = ops.fusedMatMul({
      a: encode(xs as Tensor2D, w1, b1),
      b: ops.tensor2d(w2.values, [hidden, features]),
      bias: ops.tensor1d(b2.values),
      activation: 'sigmoid',
    });
    return ops.mul(ops.sum(ops.square(ops.sub(r, xs)), 1, true), 0.5);
  }).data;
}
