/**
 * (TP + TN) / N of every class of a square confusion matrix (rows = true class), one class against the
 * rest: the per-class "accuracy" AUTODEEP-ID plots. It counts the other classes' correctly rejected rows, so
 * a rare class that is always missed still scores near 1; read it beside recall. 0 for an empty matrix.
 */
export function oneVsRestAccuracy(matrix: readonly (readonly number[])[]): number[] {
  const k = matrix.length;
  let total = 0;
  const rowSums = new Array<number>(k).fill(0);
  const columnSums = new Array<number>(k).fill(0);
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      total += matrix[t][p];
      rowSums[t] += matrix[t][p];
      columnSums[p] += matrix[t][p];
    }
  }
  return matrix.map((row, c) => {
    const tp = row[c];
    const tn = total - rowSums[c] - columnSums[c] + tp;
    return total === 0 ? 0 : (tp + tn) / total;
  });
}
