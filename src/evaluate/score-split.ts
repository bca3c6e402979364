import type { Classifier } from '../models/estimator.js';
import { argmaxRows, scoresOf } from '../models/estimator.js';
import type { Matrix } from '../preprocess/matrix.js';
import { computeSplitMetrics, type SplitMetrics } from './split-metrics.js';

/**
 * Scores a transformed split and computes its metrics, timing prediction for `predictRowsPerSecond`. The
 * scores are the model's own (margins for margin models), so ROC curves rank rows as the model does.
 */
export async function scoreSplit(
  model: Classifier,
  x: Matrix,
  yTrue: Int32Array,
  classes: readonly string[],
): Promise<{ metrics: SplitMetrics; yPred: Int32Array; scores: Matrix }> {
  const started = performance.now();
  const scores = await scoresOf(model, x);
  const seconds = (performance.now() - started) / 1000;
  const yPred = argmaxRows(scores);
  const rowsPerSecond = seconds > 0 ? x.rows / seconds : x.rows;
  return { metrics: computeSplitMetrics(classes, yTrue, yPred, scores, rowsPerSecond), yPred, scores };
}
