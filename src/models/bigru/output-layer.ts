import { IotIdsError } from '../../errors.js';
import type { BiGruParameters } from './parameters.js';

export interface BatchResult {
  /** Σ weight · cross-entropy over the batch's rows (divide by the row count for the mean). */
  lossSum: number;
  /** Rows whose most probable class is their label. */
  correct: number;
}

/** Where the final state of row i of direction d lies: `states[d][offset + i · pitch + j]`, j < units. */
export interface FinalStates {
  readonly states: readonly [Float32Array, Float32Array];
  readonly offset: number;
  readonly pitch: number;
}

/**
 * The BiGRU's dense softmax layer over [forward final state, backward final state]: probabilities of the
 * first `n` rows into `probabilities` (`[n, classes]`). Logits are summed in float64. Shared by the
 * TypeScript pass and the WebAssembly kernel's, so both compute the same head.
 */
export function softmaxOutput(
  params: BiGruParameters,
  finals: FinalStates,
  n: number,
  probabilities: Float32Array,
): void {
  const { units: h, classes: k } = params.shape;
  const kernel = params.outputKernel;
  const bias = params.outputBias;
  const logits = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    logits.set(bias);
    for (let d = 0; d < 2; d++) {
      const states = finals.states[d];
      const row = finals.offset + i * finals.pitch;
      for (let j = 0; j < h; j++) {
        const v = states[row + j];
        const kRow = (d * h + j) * k;
        for (let c = 0; c < k; c++) logits[c] += v * kernel[kRow + c];
      }
    }
    softmaxRow(logits, 0, k, probabilities, i * k);
  }
}

/** Softmax (in float64) of the `k` logits at `from` into `probabilities` at `to`. */
export function softmaxRow(
  logits: ArrayLike<number>,
  from: number,
  k: number,
  probabilities: Float32Array,
  to: number,
): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) if (logits[from + c] > max) max = logits[from + c];
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(logits[from + c] - max);
  for (let c = 0; c < k; c++) probabilities[to + c] = Math.exp(logits[from + c] - max) / sum;
}

/**
 * Loss and accuracy of the `n` rows from their `probabilities`, the dense layer's gradients (of
 * mean(weight · cross-entropy), Keras `sample_weight` semantics) into `dKernel` and `dBias`, and
 * d loss / d final state into `dh[d]` (`[n, units]`, row-major).
 */
export function softmaxOutputBackward(
  params: BiGruParameters,
  finals: FinalStates,
  probabilities: Float32Array,
  labels: Int32Array,
  weights: Float32Array | null,
  n: number,
  into: { dKernel: Float32Array; dBias: Float32Array; dh: readonly [Float32Array, Float32Array] },
): BatchResult {
  const { units: h, classes: k } = params.shape;
  const kernel = params.outputKernel;
  const { dKernel, dBias } = into;
  dKernel.fill(0);
  dBias.fill(0);
  const dLogits = new Float64Array(k);
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const entry = crossEntropyRow(probabilities, labels, weights, n, k, i, dLogits, 0);
    lossSum += entry.loss;
    if (entry.correct) correct++;
    for (let c = 0; c < k; c++) dBias[c] += dLogits[c];
    for (let d = 0; d < 2; d++) {
      const states = finals.states[d];
      const dh = into.dh[d];
      const row = finals.offset + i * finals.pitch;
      for (let j = 0; j < h; j++) {
        const kRow = (d * h + j) * k;
        const v = states[row + j];
        let sum = 0;
        for (let c = 0; c < k; c++) {
          dKernel[kRow + c] += v * dLogits[c];
          sum += kernel[kRow + c] * dLogits[c];
        }
        dh[i * h + j] = sum;
      }
    }
  }
  return { lossSum, correct };
}

/**
 * Row `i`'s weighted cross-entropy, whether its arg-max is its label, and d mean loss / d logits
 * (((p − onehot) · weight) / n) into `dLogits` at `to`.
 */
export function crossEntropyRow(
  probabilities: Float32Array,
  labels: Int32Array,
  weights: Float32Array | null,
  n: number,
  k: number,
  i: number,
  dLogits: Float32Array | Float64Array,
  to: number,
): { loss: number; correct: boolean } {
  const label = labels[i];
  if (!(label >= 0 && label < k))
    throw new IotIdsError(`bigru: label ${label} of batch row ${i} is outside [0, ${k})`);
  const w = weights ? weights[i] : 1;
  const p = i * k;
  let best = 0;
  for (let c = 1; c < k; c++) if (probabilities[p + c] > probabilities[p + best]) best = c;
  for (let c = 0; c < k; c++) dLogits[to + c] = ((probabilities[p + c] - (c === label ? 1 : 0)) * w) / n;
  return { loss: -w * Math.log(Math.max(probabilities[p + label], 1e-30)), correct: best === label };
}
