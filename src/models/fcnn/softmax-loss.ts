import { IotIdsError } from '../../errors.js';
import { focalTerms } from './focal-loss.js';

/** Where `softmaxCrossEntropy` reads the logits and writes their gradient. */
export interface SoftmaxLossBuffers {
  /** `n` rows of `k` logits, a row every `pitch` values. */
  readonly logits: Float32Array;
  /** dlogits, same layout (the padding values are not written). */
  readonly gradient: Float32Array;
  /** The output bias gradient, `k` values (overwritten). */
  readonly biasGradient: Float32Array;
  readonly pitch: number;
}

/**
 * Softmax cross-entropy (or its focal form, `focalGamma` > 0) of the FCNN's training step on `n` rows of
 * `k` logits: writes dlogits of mean(weight · loss) and the output bias gradient, returns Σ weight · loss
 * and how many rows' arg-max logit is their label. One function for the reference step (training-step.ts)
 * and the step kernel (step-kernel.ts), so both compute the same bits.
 */
export function softmaxCrossEntropy(
  buffers: SoftmaxLossBuffers,
  labels: Int32Array,
  weights: Float32Array | null,
  n: number,
  k: number,
  focalGamma: number,
): { lossSum: number; correct: number } {
  const { logits, gradient, biasGradient, pitch } = buffers;
  biasGradient.fill(0);
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = i * pitch;
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
    const logP = logits[row + label] - max - Math.log(total);
    // 1 − p as the other classes' share, exact where p itself rounds to 1.
    const focal = focalTerms((total - gradient[row + label]) / total, logP, focalGamma);
    lossSum += weight * focal.loss;
    const scale = (weight * focal.scale) / n;
    for (let c = 0; c < k; c++) {
      const g = (gradient[row + c] / total - (c === label ? 1 : 0)) * scale;
      gradient[row + c] = g;
      biasGradient[c] += g;
    }
  }
  return { lossSum, correct };
}
