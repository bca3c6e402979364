import { IotIdsError } from '../errors.js';
import { downsampleCurve, rocAucBinary, rocCurve } from './roc.js';
import type { Matrix } from '../preprocess/matrix.js';

/** One class's one-vs-rest ROC curve, thinned for plotting. Empty arrays when the class is absent. */
export interface RocClassCurve {
  fpr: number[];
  tpr: number[];
  /** Exact AUC over all rows (not the area of the thinned curve); null when the class has no rows. */
  auc: number | null;
}

/**
 * `roc.json` of a run: per evaluated split, per class, the ROC curve for the report. Thresholds are left
 * out because the first one is +Infinity, which JSON cannot hold.
 */
export interface RocFile {
  formatVersion: 1;
  splits: Record<string, Record<string, RocClassCurve>>;
}

/**
 * The ROC curves of one split: for every class, its score column against "is this class", thinned to at
 * most `maxPoints` points (default 200) with `downsampleCurve`, which keeps the corners. Merge the files
 * of several splits with `mergeRocFiles`.
 */
export function buildRocFile(
  classes: readonly string[],
  yTrue: Int32Array,
  scores: Matrix,
  splitName: string,
  maxPoints = 200,
): RocFile {
  if (scores.cols !== classes.length) {
    throw new IotIdsError(`score matrix has ${scores.cols} columns for ${classes.length} classes`);
  }
  if (scores.rows !== yTrue.length) {
    throw new IotIdsError(`yTrue has ${yTrue.length} labels but the score matrix has ${scores.rows} rows`);
  }
  const column = new Float64Array(scores.rows);
  const isPositive = new Uint8Array(scores.rows);
  const curves: Record<string, RocClassCurve> = {};
  classes.forEach((name, c) => {
    let positives = 0;
    for (let i = 0; i < scores.rows; i++) {
      column[i] = scores.data[i * scores.cols + c];
      isPositive[i] = yTrue[i] === c ? 1 : 0;
      positives += isPositive[i];
    }
    // A class with no rows (or the only class present) has no curve; the report says so.
    if (positives === 0 || positives === scores.rows) {
      curves[name] = { fpr: [], tpr: [], auc: null };
      return;
    }
    const thinned = downsampleCurve(rocCurve(column, isPositive), maxPoints);
    curves[name] = { fpr: thinned.fpr, tpr: thinned.tpr, auc: rocAucBinary(column, isPositive) };
  });
  // fromEntries keeps a split named like an Object.prototype key as plain data.
  return { formatVersion: 1, splits: Object.fromEntries([[splitName, curves]]) };
}

/** Combines the files of several splits into one; a split present twice is an error. */
export function mergeRocFiles(...files: RocFile[]): RocFile {
  const entries = new Map<string, Record<string, RocClassCurve>>();
  for (const file of files) {
    for (const [split, curves] of Object.entries(file.splits)) {
      if (entries.has(split)) throw new IotIdsError(`ROC curves of split "${split}" given twice`);
      entries.set(split, curves);
    }
  }
  return { formatVersion: 1, splits: Object.fromEntries(entries) };
}
