/**
 * The softmax classifier on SAE codes and the end-to-end fine-tuning step, with hand-written gradients
 * (see autoencoder-step.ts for why). The cross-entropy and its gradient (p − y)·w are computed in JS from
 * the B × classes log-probabilities the engine hands back: for a handful of classes that is cheaper than
 * the kernels it replaces. Objective: (1/B) Σᵢ wᵢ · −log pᵢ,yᵢ (Keras sample-weight convention).
 */
import { predictInBatches, ops, type Tensor, type Tensor2D } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import { transposed } from '../transpose.js';
import type { Parameter } from './parameters.js';
import type { RowBatch } from './row-batches.js';

/** `[kernel H×C, bias C]`. */
export type HeadParameters = readonly [Parameter, Parameter];
/** `[kernel D×H, bias H]`. */
export type EncoderParameters = readonly [Parameter, Parameter];

export interface ClassifierStep {
  /** Sums over the batch, in parameter order (head: kernel, bias; fine-tuning: encoder then head). */
  readonly gradients: Float32Array[];
  /** Σᵢ wᵢ · −log pᵢ,yᵢ. */
  readonly lossSum: number;
  /** Rows whose arg-max is their label. */
  readonly correct: number;
}

/** One step of the softmax head on a batch of codes (`batch.xs` holds the codes). */
export function headStep(batch: RowBatch, head: HeadParameters): ClassifierStep {
  const [hidden, classes] = head[0].shape;
  const rows = batch.size;
  const logProbs = ops.tidy(() => logSoftmax(ops.tensor2d(batch.xs, [rows, hidden]), head));
  const delta = crossEntropyDelta(readAndDispose(logProbs), batch, classes);
  // [codesᵀ; 1ᵀ]·δ: the kernel's gradient and, in the last row, the bias's.
  const grads = readAndDispose(
    ops.tidy(() =>
      ops.matMul(ops.tensor2d(batch.xsT, [hidden + 1, rows]), ops.tensor2d(delta.delta, [rows, classes])),
    ),
  );
  const gradients = [grads.subarray(0, hidden * classes), grads.subarray(hidden * classes)];
  return { gradients, lossSum: delta.lossSum, correct: delta.correct };
}

/** One step through encoder and head together; the decoder is not involved. */
export function fineTuneStep(
  batch: RowBatch,
  encoder: EncoderParameters,
  head: HeadParameters,
): ClassifierStep {
  const [w1, b1] = encoder;
  const [w3] = head;
  const [features, hidden] = w1.shape;
  const classes = w3.shape[1];
  const rows = batch.size;
  let lossSum = 0;
  let correct = 0;
  let headBiasGrad: Float32Array = new Float32Array(0);
  const outputs = ops.tidy(() => {
    const h = ops.fusedMatMul({
      a: ops.tensor2d(batch.xs, [rows, features]),
      b: ops.tensor2d(w1.values, [features, hidden]),
      bias: ops.tensor1d(b1.values),
      activation: 'sigmoid',
    }) as Tensor2D;
    const ce = crossEntropyDelta(logSoftmax(h, head).dataSync() as Float32Array, batch, classes);
    lossSum = ce.lossSum;
    correct = ce.correct;
    headBiasGrad = columnSums(ce.delta, rows, classes);
    const delta = ops.tensor2d(ce.delta, [rows, classes]);
    // (δᵀ h) is the head kernel's gradient transposed: δᵀ comes from JS, so no Transpose kernel runs.
    const headKernelGradT = ops.matMul(ops.tensor2d(transposed(ce.delta, rows, classes), [classes, rows]), h);
    const hiddenGrad = ops.matMul(
      delta,
      ops.tensor2d(transposed(w3.values, hidden, classes), [classes, hidden]),
    );
    const hiddenDelta = ops.mul(ops.mul(hiddenGrad, h), ops.sub(1, h));
    // [Xᵀ; 1ᵀ]·δh: the encoder kernel's gradient and, in its last row, the bias's.
    const encoderGrads = ops.matMul(ops.tensor2d(batch.xsT, [features + 1, rows]), hiddenDelta);
    return [encoderGrads, headKernelGradT];
  });
  const [encoderGrads, headKernelGradT] = outputs.map((t) => t.dataSync() as Float32Array);
  ops.dispose(outputs);
  return {
    gradients: [
      encoderGrads.subarray(0, features * hidden),
      encoderGrads.subarray(features * hidden),
      transposed(headKernelGradT, classes, hidden),
      headBiasGrad,
    ],
    lossSum,
    correct,
  };
}

/** codes · W + b. */
export function headLogits(codes: Tensor2D, head: HeadParameters): Tensor2D {
  const [kernel, bias] = head;
  return ops.fusedMatMul({
    a: codes,
    b: ops.tensor2d(kernel.values, kernel.shape as [number, number]),
    bias: ops.tensor1d(bias.values),
  }) as Tensor2D;
}

/** log softmax(codes · W + b). */
export function logSoftmax(codes: Tensor2D, head: HeadParameters): Tensor2D {
  return ops.logSoftmax(headLogits(codes, head));
}

/** Weighted mean cross-entropy and accuracy of rows × classes log-probabilities against `y`. */
export function crossEntropyStats(
  logProbs: Matrix,
  y: Int32Array,
  rowWeights?: Float32Array,
): { loss: number; accuracy: number } {
  const classes = logProbs.cols;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < logProbs.rows; i++) {
    const row = logProbs.data.subarray(i * classes, (i + 1) * classes);
    loss -= (rowWeights ? rowWeights[i] : 1) * row[y[i]];
    if (argmax(row) === y[i]) correct++;
  }
  const rows = Math.max(logProbs.rows, 1);
  return { loss: loss / rows, accuracy: correct / rows };
}

/** Log-probabilities of every row of `x` through `forward` (which maps a batch to log-probabilities). */
export function logProbabilities(x: Matrix, forward: (xs: Tensor2D) => Tensor2D): Matrix {
  return predictInBatches(x, (xs) => forward(xs as Tensor2D));
}

function crossEntropyDelta(
  logProbs: Float32Array,
  batch: RowBatch,
  classes: number,
): { delta: Float32Array; lossSum: number; correct: number } {
  const labels = batch.labels;
  if (!labels) throw new IotIdsError('softmax step: the batch has no labels');
  const delta = new Float32Array(logProbs.length);
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < batch.size; i++) {
    const weight = batch.weights ? batch.weights[i] : 1;
    const offset = i * classes;
    const label = labels[i];
    lossSum -= weight * logProbs[offset + label];
    if (argmax(logProbs.subarray(offset, offset + classes)) === label) correct++;
    for (let c = 0; c < classes; c++) {
      delta[offset + c] = weight * (Math.exp(logProbs[offset + c]) - (c === label ? 1 : 0));
    }
  }
  return { delta, lossSum, correct };
}

function columnSums(values: Float32Array, rows: number, cols: number): Float32Array {
  const sums = new Float32Array(cols);
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) sums[c] += values[i * cols + c];
  return sums;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

function readAndDispose(t: Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}
