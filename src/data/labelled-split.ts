import type { CleaningReport } from './cleaning-report.js';
import { loadTable } from './load-table.js';
import { loadTrafficTable } from './traffic-table.js';
import { requireSplit, type dataSearchPath } from './locate.js';
import type { DatasetDefinition, TaskName, Taxonomy } from './schema.js';
import { selectRows, type Table } from './table.js';
import { labelsForTask } from './tasks.js';
import { describeUnknownLabels } from './unknown-labels.js';
import type { ProgressReporter } from '../util/progress-reporter.js';

/** One split of a dataset, loaded, cleaned and labelled for a task. */
export interface LabelledSplit {
  name: string;
  path: string;
  /** Only the rows the task keeps. */
  table: Table;
  y: Int32Array;
  classes: string[];
  /** Row keys (feature + label hash) of the kept rows, for overlap and duplicate checks. */
  rowKeys: Float64Array;
  cleaning: SplitCleaning;
}

/** The cleaning report of a file plus what the task and the pipeline did to it. */
export interface SplitCleaning extends CleaningReport {
  /** Rows the task leaves out (e.g. probe and r2l for ddos-u2r-normal), by raw label. */
  taskExcluded: number;
  taskExcludedByLabel: Record<string, number>;
  /** Raw labels the taxonomy does not know: excluded and counted. */
  unknownLabels: Record<string, number>;
  /** Test splits only: rows (features + label) that also appear in the training data. */
  overlapWithTrain?: number;
  /** Categorical values never seen in training (encoded as all zeros), per column. */
  unknownCategories?: Record<string, number>;
  /** Values outside the training range, clipped into [0, 1]. */
  clippedValues?: number;
  /** Training split with --dedup: exact duplicate rows (features + label) removed, first occurrence kept. */
  dedupRemoved?: number;
}

export async function loadLabelledSplit(
  dataset: DatasetDefinition,
  split: string,
  task: TaskName,
  options: {
    searchPath: ReturnType<typeof dataSearchPath>;
    taxonomy?: Taxonomy;
    strict?: boolean;
    progress: ProgressReporter;
  },
): Promise<LabelledSplit> {
  const path = await requireSplit(dataset, split, options.searchPath);
  const expectedRows = dataset.splits.find((s) => s.name === split)?.rows;
  options.progress.start(`load ${split}`, expectedRows, 'rows');
  const loaded = dataset.schema.trafficInput
    ? await loadTrafficTable(path, dataset.schema, task, {
        sourceName: path,
        onProgress: (rows) => options.progress.update(rows, expectedRows),
      })
    : await loadTable(path, dataset.schema, {
        strict: options.strict,
        sourceName: path,
        onProgress: (rows) => options.progress.update(rows, expectedRows),
      });
  options.progress.finish(`${loaded.report.rowsKept} rows kept, ${loaded.report.rowsRejected} rejected`);
  const labels = labelsForTask(loaded.table, task, dataset, options.taxonomy);
  const unknown = describeUnknownLabels(
    split,
    labels.unknownLabels,
    options.taxonomy ?? dataset.schema.taxonomy,
  );
  if (unknown) options.progress.note(unknown);
  const keys = new Float64Array(labels.rows.length);
  for (let i = 0; i < labels.rows.length; i++) keys[i] = loaded.rowKeys[labels.rows[i]];
  return {
    name: split,
    path,
    table: selectRows(loaded.table, labels.rows),
    y: labels.y,
    classes: labels.classes,
    rowKeys: keys,
    cleaning: {
      ...loaded.report,
      taskExcluded: labels.excluded,
      taskExcludedByLabel: labels.excludedByLabel,
      unknownLabels: labels.unknownLabels,
    },
  };
}

/** Keeps the rows of a labelled split at the given indices (for the random-split protocol). */
export function subsetSplit(split: LabelledSplit, rows: Int32Array, name: string): LabelledSplit {
  const y = new Int32Array(rows.length);
  const keys = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    y[i] = split.y[rows[i]];
    keys[i] = split.rowKeys[rows[i]];
  }
  return { ...split, name, table: selectRows(split.table, rows), y, rowKeys: keys };
}

/**
 * Keeps the first occurrence of every distinct row (features + label, by row key) — `--dedup` for the
 * training data of KDD Cup 99, where about 70 % of the rows repeat, or for a whole file before a one-file
 * protocol divides it. The count removed goes into the cleaning report.
 */
export function dedupSplit(split: LabelledSplit): LabelledSplit {
  const seen = new Set<number>();
  const keep: number[] = [];
  for (let i = 0; i < split.rowKeys.length; i++) {
    if (seen.has(split.rowKeys[i])) continue;
    seen.add(split.rowKeys[i]);
    keep.push(i);
  }
  const kept = subsetSplit(split, Int32Array.from(keep), split.name);
  return { ...kept, cleaning: { ...split.cleaning, dedupRemoved: split.rowKeys.length - keep.length } };
}
