import type { Matrix } from '../preprocess/matrix.js';

/**
 * Mean cross-entropy (unweighted) and accuracy of probability rows against labels: the validation figures
 * the softmax models log each epoch. Probabilities are clamped at 1e-7 as Keras does, because float32
 * softmax can underflow to 0.
 */
export function lossAndAccuracy(probabilities: Matrix, y: Int32Array): { loss: number; accuracy: number } {
  const k = probabilities.cols;
  const p = probabilities.data;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < probabilities.rows; i++) {
    const row = i * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (p[row + c] > p[row + best]) best = c;
    if (best === y[i]) correct++;
    loss -= Math.log(Math.max(p[row + y[i]], 1e-7));
  }
  const rows = Math.max(1, probabilities.rows);
  return { loss: loss / rows, accuracy: correct / rows };
}
