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
 */
import { predictInBatches, tf } from '../../engine/index.js';
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
): AutoencoderStep {
  const [w1, b1, w2, b2] = parameters;
  const [features, hidden] = w1.shape;
  const rows = batch.size;
  let penaltyValue = 0;
  const outputs = tf.tidy(() => {
    const xs = tf.tensor2d(batch.xs, [rows, features]);
    const h = tf.fused.matMul({
      a: xs,
      b: tf.tensor2d(w1.values, [features, hidden]),
      bias: tf.tensor1d(b1.values),
      activation: 'sigmoid',
    });
    const r = tf.fused.matMul({
      a: h,
      b: tf.tensor2d(w2.values, [hidden, features]),
      bias: tf.tensor1d(b2.values),
      activation: 'sigmoid',
    });
    const error = tf.sub(r, xs);
    const squaredError = tf.sum(tf.square(error));
    // ∂(½‖r − x‖²)/∂(pre-activation) = (r − x) · r · (1 − r)
    const outputDelta = tf.mul(tf.mul(error, r), tf.sub(1, r));
    const decoderKernelGrad = tf.matMul(tf.transpose(h), outputDelta);
    const decoderBiasGrad = tf.sum(outputDelta, 0);
    const meanActivation = tf.mean(h, 0).dataSync() as Float32Array;
    const { value, perUnitGradient } = sparsityTerm(meanActivation, penalty);
    penaltyValue = value;
    // δh = δout · W₂ᵀ + ∂penalty/∂h (the same for every row), in one fused kernel.
    const hiddenGrad = tf.fused.matMul({
      a: outputDelta,
      b: tf.tensor2d(transposed(w2.values, hidden, features), [features, hidden]),
      bias: tf.tensor1d(perUnitGradient),
    });
    const hiddenDelta = tf.mul(tf.mul(hiddenGrad, h), tf.sub(1, h));
    // [Xᵀ; 1ᵀ]·δh: the encoder kernel's gradient and, in its last row, the bias's.
    const encoderGrads = tf.matMul(tf.tensor2d(batch.xsT, [features + 1, rows]), hiddenDelta);
    return [encoderGrads, decoderKernelGrad, decoderBiasGrad, squaredError];
  });
  const [encoderGrads, decoderKernelGrad, decoderBiasGrad, squaredError] = outputs.map(
    (t) => t.dataSync() as Float32Array,
  );
  tf.dispose(outputs);
  return {
    gradients: [
      encoderGrads.subarray(0, features * hidden),
      encoderGrads.subarray(features * hidden),
      decoderKernelGrad,
      decoderBiasGrad,
    ],
    reconstructionSum: squaredError[0] / 2,
    penalty: penaltyValue,
  };
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
export function encode(xs: tf.Tensor2D, encoderKernel: Parameter, encoderBias: Parameter): tf.Tensor2D {
  return tf.fused.matMul({
    a: xs,
    b: tf.tensor2d(encoderKernel.values, encoderKernel.shape as [number, number]),
    bias: tf.tensor1d(encoderBias.values),
    activation: 'sigmoid',
  }) as tf.Tensor2D;
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
    const [sse, activations] = tf.tidy(() => {
      const xs = tf.tensor2d(batch.xs, [batch.size, features]);
      const h = encode(xs, w1, b1);
      const r = tf.fused.matMul({
        a: h,
        b: tf.tensor2d(w2.values, [hidden, features]),
        bias: tf.tensor1d(b2.values),
        activation: 'sigmoid',
      });
      return [tf.sum(tf.square(tf.sub(r, xs))), tf.sum(h, 0)] as [tf.Tensor, tf.Tensor];
    });
    squaredError += sse.dataSync()[0];
    const sums = activations.dataSync();
    for (let j = 0; j < hidden; j++) activationSums[j] += sums[j];
    tf.dispose([sse, activations]);
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
    const r = tf.fused.matMul({
      a: encode(xs as tf.Tensor2D, w1, b1),
      b: tf.tensor2d(w2.values, [hidden, features]),
      bias: tf.tensor1d(b2.values),
      activation: 'sigmoid',
    });
    return tf.mul(tf.sum(tf.square(tf.sub(r, xs)), 1, true), 0.5);
  }).data;
}
