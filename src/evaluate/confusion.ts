import { IotIdsError } from '../errors.js';

/**
 * Counts of (true class, predicted class) pairs: `matrix[t][p]`, rows = true, columns = predicted, as
 * scikit-learn's `confusion_matrix` with `labels=range(nClasses)` (a class absent from both vectors still
 * gets its all-zero row and column, so matrices of different splits line up).
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  nClasses: number,
): number[][] {
  assertSameLength(yTrue, yPred);
  if (!Number.isInteger(nClasses) || nClasses < 1) {
    throw new IotIdsError(`confusion matrix needs at least one class, got nClasses = ${nClasses}`);
  }
  // One flat typed array while counting: far cheaper than nested arrays for half a million rows.
  const counts = new Float64Array(nClasses * nClasses);
  for (let i = 0; i < yTrue.length; i++) {
    const t = checkedClass(yTrue[i], nClasses, 'yTrue', i);
    const p = checkedClass(yPred[i], nClasses, 'yPred', i);
    counts[t * nClasses + p]++;
  }
  return Array.from({ length: nClasses }, (_, t) =>
    Array.from(counts.subarray(t * nClasses, (t + 1) * nClasses)),
  );
}

export function assertSameLength(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new IotIdsError(
      `true and predicted labels differ in length: yTrue has ${yTrue.length}, yPred has ${yPred.length}`,
    );
  }
}

function checkedClass(value: number, nClasses: number, name: string, index: number): number {
  if (!Number.isInteger(value) || value < 0 || value >= nClasses) {
    throw new IotIdsError(`${name}[${index}] = ${value} is not a class index in [0, ${nClasses})`);
  }
  return value;
}
