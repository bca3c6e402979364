import type { Matrix } from '../preprocess/matrix.js';

/** Keras's clamp of probabilities in the cross-entropy (float32 softmax can underflow to 0). */
export const KERAS_PROBABILITY_FLOOR = 1e-7;

/**
 * Mean cross-entropy (unweighted) and accuracy of probability rows against labels: the validation figures
 * the softmax models (fcnn, the VAE head, bigru and its fine-tuning) log each epoch and stop early on.
 * Probabilities are clamped at `floor` before the log. The FCNN and the VAE head use Keras's 1e-7; the BiGRU
 * stages use 1e-30, the value their published runs were computed with (the two differ only for rows whose
 * true class gets less than 1e-7, whose loss term is then 16.1 instead of up to 69).
 */
export function lossAndAccuracy(
  probabilities: Matrix,
  y: Int32Array,
  floor = KERAS_PROBABILITY_FLOOR,
): { loss: number; accuracy: number } {
  const k = probabilities.cols;
  const p = probabilities.data;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < probabilities.rows; i++) {
    const row = i * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (p[row + c] > p[row + best]) best = c;
    if (best === y[i]) correct++;
    loss -= Math.log(Math.max(p[row + y[i]], floor));
  }
  const rows = Math.max(1, probabilities.rows);
  return { loss: loss / rows, accuracy: correct / rows };
}
