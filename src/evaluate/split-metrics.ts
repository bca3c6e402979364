import { IotIdsError } from '../errors.js';
import type { Matrix } from '../preprocess/matrix.js';
import { accuracy, averaged, perClassStats, type ClassStats } from './classification-metrics.js';
import { confusionMatrix } from './confusion.js';
import { rocAucOneVsRest } from './roc.js';

/** Macro (plain mean over all classes of the task) and support-weighted averages. */
export interface Averages {
  macro: number;
  weighted: number;
}

/** The metrics of one evaluated split, as stored in `metrics.json` (camelCase; add fields, never rename). */
export interface SplitMetrics {
  /** Rows scored. */
  n: number;
  accuracy: number;
  precision: Averages;
  recall: Averages;
  f1: Averages;
  /**
   * One-vs-rest ROC AUC per class name; null for a class absent from the split. The macro mean runs over
   * the classes present and is null when fewer than two are.
   */
  rocAuc: { macro: number | null; perClass: Record<string, number | null> };
  /** Ratios with a zero denominator are 0 (scikit-learn's `zero_division=0`). */
  perClass: Record<string, ClassStats>;
  /** Rows = true class, columns = predicted class, both in `labels` order. */
  confusion: { labels: string[]; matrix: number[][] };
  predictRowsPerSecond: number;
}

/**
 * All metrics of one split from true labels, predicted labels and the rows × classes score matrix the
 * predictions came from. `scores` null: verdicts with no one score behind them (a classifier combined with
 * anomaly alerts), whose ROC-AUC is undefined and stored as null.
 */
export function computeSplitMetrics(
  classes: readonly string[],
  yTrue: Int32Array,
  yPred: Int32Array,
  scores: Matrix | null,
  predictRowsPerSecond: number,
): SplitMetrics {
  checkShapes(classes, yTrue, yPred, scores);
  const matrix = confusionMatrix(yTrue, yPred, classes.length);
  const stats = perClassStats(matrix);
  const auc = scores
    ? rocAucOneVsRest(yTrue, scores)
    : { macro: null, perClass: classes.map((): number | null => null) };
  // fromEntries defines own properties, so a class named like an Object.prototype key stays plain data.
  const byClass = <T>(value: (c: number) => T): Record<string, T> =>
    Object.fromEntries(classes.map((name, c) => [name, value(c)]));
  return {
    n: yTrue.length,
    accuracy: accuracy(yTrue, yPred),
    precision: averaged(stats, 'precision'),
    recall: averaged(stats, 'recall'),
    f1: averaged(stats, 'f1'),
    rocAuc: { macro: auc.macro, perClass: byClass((c) => auc.perClass[c]) },
    perClass: byClass((c) => ({ ...stats[c] })),
    confusion: { labels: [...classes], matrix },
    predictRowsPerSecond,
  };
}

function checkShapes(
  classes: readonly string[],
  yTrue: Int32Array,
  yPred: Int32Array,
  scores: Matrix | null,
): void {
  if (classes.length === 0) throw new IotIdsError('split metrics need at least one class');
  if (new Set(classes).size !== classes.length) {
    throw new IotIdsError(`class names must be distinct, got ${JSON.stringify(classes)}`);
  }
  if (yPred.length !== yTrue.length || (scores && scores.rows !== yTrue.length)) {
    throw new IotIdsError(
      `split metrics need one row each: yTrue ${yTrue.length}, yPred ${yPred.length}, scores ${scores?.rows}`,
    );
  }
  if (scores && scores.cols !== classes.length) {
    throw new IotIdsError(`score matrix has ${scores.cols} columns for ${classes.length} classes`);
  }
}
