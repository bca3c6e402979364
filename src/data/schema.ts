/**
 * What a flow file looks like. Built-in datasets declare theirs in `registry.ts`; any other CSV can be used
 * through a JSON schema file validated by `schema-file.ts`.
 */
import { IotIdsError } from '../errors.js';
import type { ProtocolName, TaskName } from './run-names.js';
export type ColumnType = 'numeric' | 'categorical' | 'label' | 'ignore';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

/** Maps raw labels to categories (e.g. `neptune` → `dos`). Labels listed under `normal` are benign traffic. */
export interface Taxonomy {
  /** Raw labels meaning benign traffic. */
  readonly normal: readonly string[];
  /** Raw attack label → category name. */
  readonly categories: Readonly<Record<string, string>>;
}

export interface DatasetSchema {
  readonly name: string;
  /** Every column of the file, in file order; exactly one has type `label`. */
  readonly columns: readonly ColumnSpec[];
  /** Whether the first line is a header (a UTF-8 BOM before it is tolerated). Default false. */
  readonly header: boolean;
  /** Field delimiter. Default ','. */
  readonly delimiter: string;
  /** Suffix stripped from every raw label, e.g. '.' for KDD Cup 99. Default none. */
  readonly labelSuffix?: string;
  /** Optional attack taxonomy; without it, tasks use the raw labels. */
  readonly taxonomy?: Taxonomy;
  /** Heavy-tailed count columns that `log1p` applies to when asked. Default none. */
  readonly logColumns?: readonly string[];
  /** Where each row's time comes from, for ordering (the time-split protocol). Default none. */
  readonly time?: TimeColumns;
  /** Column naming the device or source of each row; group-split keeps each value on one side. Default none. */
  readonly groupColumn?: string;
  /**
   * The traffic feature set (`src/traffic/features`: `conn`, `kdd-traffic`) the columns are. A model trained
   * on such columns records it and can score packet captures and flow logs; any other input is refused.
   */
  readonly featureSet?: string;
  /**
   * The split files are traffic (a labelled Zeek conn.log, or any capture or flow log the traffic reader
   * takes), not CSV: they are read into connection records and `featureSet` features are computed from
   * them. `columns` must then be the feature set's columns plus `label`.
   */
  readonly trafficInput?: boolean;
}

/**
 * Either one timestamp column (epoch seconds or ISO 8601, e.g. Zeek's `ts`) or a date column plus an optional
 * time-of-day column (TON_IoT's `date` and `time`). The named columns keep their own type: `ignore` uses them
 * only for ordering, `numeric`/`categorical` also make them features.
 */
export type TimeColumns =
  | { readonly timestamp: string; readonly date?: undefined; readonly time?: undefined }
  | { readonly timestamp?: undefined; readonly date: string; readonly time?: string };

/** One file of a dataset (a "split" such as KDDTrain+). */
export interface SplitFile {
  readonly name: string;
  /** Path relative to the data directory, e.g. `nsl-kdd/KDDTrain+.txt.gz`. */
  readonly file: string;
  /** Canonical download location (may be plain or gzip; it is stored gzipped). */
  readonly url?: string;
  /** SHA-256 of the decompressed content. */
  readonly sha256?: string;
  /** Number of data rows, when known (for progress bars and checks). */
  readonly rows?: number;
  /** Whether the file is needed for the official protocol (optional files may be missing). */
  readonly optional?: boolean;
}

/** Declared once in run-names.ts; re-exported here beside the dataset types that use them. */
export type { ProtocolName, TaskName } from './run-names.js';

export interface DatasetDefinition {
  readonly name: string;
  readonly title: string;
  readonly schema: DatasetSchema;
  readonly splits: readonly SplitFile[];
  /** The training split of the official protocol and the test splits it is evaluated on. */
  readonly official: { readonly train: string; readonly tests: readonly string[] };
  /** The split the random-split protocol divides 80/20 (the inflated protocol many papers use). */
  readonly randomSplitSource: string;
  readonly tasks: readonly TaskName[];
  /** The protocol used when none is asked for; when absent, see `defaultProtocolOf` in protocols.ts. */
  readonly defaultProtocol?: ProtocolName;
  /** Where the files of a user-supplied schema are resolved from (the schema file's folder). */
  readonly baseDir?: string;
}

export function labelColumnOf(schema: DatasetSchema): ColumnSpec {
  const labels = schema.columns.filter((c) => c.type === 'label');
  if (labels.length !== 1) {
    throw new IotIdsError(
      `schema "${schema.name}" must have exactly one label column, found ${labels.length}`,
    );
  }
  return labels[0];
}
