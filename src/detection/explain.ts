import { selectRows, type Table } from '../data/table.js';
import { usageError } from '../errors.js';
import { argmaxRows } from '../models/estimator.js';
import { createMatrix, rowOf } from '../preprocess/matrix.js';
import { ANOMALY_CLASS } from '../models/zero-day/combine.js';
import type { Detector } from './detector.js';
import { inputBlocks, type InputBlock } from './input-blocks.js';

export interface ExplainOptions {
  /** Features listed per row, largest contribution first. Default 5. */
  top?: number;
  /** Class whose probability is explained. Default: each row's predicted class. */
  className?: string;
}

export interface FeatureContribution {
  /** Raw input column. */
  feature: string;
  /** The row's raw value. */
  value: number | string;
  /** What the column was replaced by (see `InputBlock.neutral`); null = "no known category". */
  neutral: number | null;
  /**
   * Probability of the explained class minus its probability with this column neutralised; for an
   * `anomaly` verdict (zero-day mode), the reconstruction error minus the error with it neutralised.
   */
  contribution: number;
}

export interface RowExplanation {
  /** Row index in the table. */
  row: number;
  /** The row's line (or record position) in the input. */
  line: number;
  /** Explained class. */
  label: string;
  /** Its probability for the unaltered row (for `anomaly`: the probability the classifier gave normal). */
  probability: number;
  contributions: FeatureContribution[];
}

/** Occluded copies scored per `predictProba` call, at most; a row's copies always share one call. */
const MAX_ROWS_PER_CALL = 4096;

/**
 * Which raw features drove a row's verdict, by occlusion: each raw column in turn is set to its neutral
 * value (see `input-blocks.ts`: the training minimum for numbers, "no known category" for categoricals,
 * both encoded as zeros) and the drop in the class probability is that column's contribution. Occlusion
 * works on raw columns, so a one-hot categorical counts once, and needs nothing from the model but
 * `predictProba`. A negative contribution means the value argued against the class. Columns the pipeline
 * dropped as constant are left out (they cannot change anything). In zero-day mode a row the classifier
 * calls normal and the autoencoder anomalous is explained as `anomaly`, by the drop in its reconstruction
 * error: the columns that made it look least like normal traffic come first.
 */
export async function explain(
  detector: Detector,
  table: Table,
  rowIndices: ArrayLike<number>,
  options: ExplainOptions = {},
): Promise<RowExplanation[]> {
  const top = options.top ?? 5;
  if (!Number.isInteger(top) || top < 1) throw usageError(`top must be a positive integer, got ${top}`);
  const classes = detector.manifest.classes;
  const fixedClass = options.className === undefined ? -1 : classes.indexOf(options.className);
  if (options.className !== undefined && fixedClass === -1) {
    throw usageError(
      `cannot explain class "${options.className}": the model's classes are ${classes.join(', ')}`,
    );
  }
  for (const i of Array.from(rowIndices)) {
    if (!Number.isInteger(i) || i < 0 || i >= table.nRows) {
      throw usageError(`row index ${i} is outside the table (0…${table.nRows - 1})`);
    }
  }
  const blocks = inputBlocks(detector.pipeline).filter((b) => b.width > 0);
  const copies = blocks.length + 1;
  const rowsPerCall = Math.max(1, Math.floor(MAX_ROWS_PER_CALL / copies));
  const rows = Array.from(rowIndices);
  const x = detector.pipeline.transform(selectRows(table, rows)).x;
  const k = classes.length;
  const nFeatures = x.cols;
  const results: RowExplanation[] = [];

  for (let start = 0; start < rows.length; start += rowsPerCall) {
    const end = Math.min(rows.length, start + rowsPerCall);
    const occluded = new Float32Array((end - start) * copies * nFeatures);
    for (let r = start; r < end; r++) {
      const original = rowOf(x, r);
      const base = (r - start) * copies;
      // Copy 0 is the row as it is; copy b + 1 has block b zeroed.
      for (let c = 0; c < copies; c++) occluded.set(original, (base + c) * nFeatures);
      blocks.forEach((block, b) => {
        const at = (base + b + 1) * nFeatures + block.offset;
        occluded.fill(0, at, at + block.width);
      });
    }
    const copiesMatrix = createMatrix((end - start) * copies, nFeatures, occluded);
    const proba = await detector.probabilitiesOf(copiesMatrix);
    const predicted = argmaxRows(proba);
    const anomaly = detector.anomaly;
    const errors = anomaly && fixedClass < 0 ? await anomaly.score(copiesMatrix) : undefined;
    for (let r = start; r < end; r++) {
      const base = (r - start) * copies;
      const cls = fixedClass >= 0 ? fixedClass : predicted[base];
      const p = proba.data[base * k + cls];
      const isAnomaly =
        errors !== undefined && cls === detector.rules.normalIndex && errors[base] > anomaly!.threshold;
      const contributions = blocks.map((block, b): FeatureContribution => ({
        feature: block.name,
        value: rawValue(table, block, rows[r]),
        neutral: block.neutral,
        contribution: isAnomaly
          ? errors[base] - errors[base + b + 1]
          : p - proba.data[(base + b + 1) * k + cls],
      }));
      // Stable sort: equal contributions keep column order.
      contributions.sort((a, b) => b.contribution - a.contribution);
      results.push({
        row: rows[r],
        line: table.lineNumbers[rows[r]],
        label: isAnomaly ? ANOMALY_CLASS : classes[cls],
        probability: p,
        contributions: contributions.slice(0, top),
      });
    }
  }
  return results;
}

function rawValue(table: Table, block: InputBlock, row: number): number | string {
  const column = table.features.find((c) => c.name === block.name);
  if (column === undefined) return Number.NaN;
  return column.kind === 'numeric' ? column.values[row] : column.categories[column.codes[row]];
}
