import { createMatrix, type Matrix } from '../preprocess/matrix.js';

/**
 * Row-wise softmax of margins: what margin models (`outputKind: 'margins'`) return from `predictProba`, so
 * every model's probabilities sum to 1 and one set of alert thresholds applies to all. The arg-max is unchanged. This is a monotone rescaling, not a
 * calibration (no Platt scaling was fitted): margins of ±1 become roughly 0.88 / 0.12 for two classes, so
 * thresholds for margin models are best chosen on validation data rather than read as likelihoods.
 */
export function softmaxRows(scores: Matrix): Matrix {
  const { rows, cols, data } = scores;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) if (data[base + j] > max) max = data[base + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(data[base + j] - max);
    for (let j = 0; j < cols; j++) out[base + j] = Math.exp(data[base + j] - max) / sum;
  }
  return createMatrix(rows, cols, out);
}
