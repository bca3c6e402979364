import { assertSameLength } from './confusion.js';

/** Fraction of rows whose predicted class equals the true class; 0 for no rows (nothing was right). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  assertSameLength(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** One-vs-rest statistics of one class, read off the confusion matrix. */
export interface ClassStats {
  /** tp / (tp + fp): how many rows predicted as this class really are it. */
  precision: number;
  /** tp / (tp + fn), also called detection rate or sensitivity. */
  recall: number;
  /** Harmonic mean of precision and recall, computed as 2·tp / (2·tp + fp + fn). */
  f1: number;
  /** tn / (tn + fp): how many rows of other classes are kept out of this one. */
  specificity: number;
  /** Number of rows whose true class is this one. */
  support: number;
}

/**
 * Per-class statistics of a square confusion matrix (rows = true, columns = predicted).
 *
 * Every ratio whose denominator is zero is 0, as scikit-learn with `zero_division=0`: a class that is
 * never predicted has precision 0, a class with no rows has recall 0, and F1 is 0 when tp + fp + fn = 0.
 * scikit-learn's default (`"warn"`) gives the same numbers plus a warning.
 */
export function perClassStats(confusion: number[][]): ClassStats[] {
  const k = confusion.length;
  const rowSums = new Float64Array(k);
  const columnSums = new Float64Array(k);
  let total = 0;
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const count = confusion[t][p];
      rowSums[t] += count;
      columnSums[p] += count;
      total += count;
    }
  }
  return Array.from({ length: k }, (_, c) => {
    const tp = confusion[c][c];
    const fp = columnSums[c] - tp;
    const fn = rowSums[c] - tp;
    const tn = total - tp - fp - fn;
    return {
      precision: ratioOrZero(tp, tp + fp),
      recall: ratioOrZero(tp, tp + fn),
      f1: ratioOrZero(2 * tp, 2 * tp + fp + fn),
      specificity: ratioOrZero(tn, tn + fp),
      support: rowSums[c],
    };
  });
}

/**
 * Macro (plain mean over the classes given) and support-weighted averages of one statistic. Every class
 * passed in counts towards the macro mean, even one with no rows in this split (as scikit-learn with
 * `labels=range(nClasses)`), so the macro figure is always the mean of the per-class figures reported.
 * Both are 0 for no classes, and the weighted one is 0 when the total support is 0.
 */
export function averaged(
  stats: readonly ClassStats[],
  key: 'precision' | 'recall' | 'f1',
): { macro: number; weighted: number } {
  let sum = 0;
  let weightedSum = 0;
  let totalSupport = 0;
  for (const s of stats) {
    sum += s[key];
    weightedSum += s[key] * s.support;
    totalSupport += s.support;
  }
  return {
    macro: ratioOrZero(sum, stats.length),
    weighted: ratioOrZero(weightedSum, totalSupport),
  };
}

function ratioOrZero(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}
