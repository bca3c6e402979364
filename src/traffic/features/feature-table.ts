import { IotIdsError } from '../../errors.js';
import type { ColumnSpec } from '../../data/schema.js';
import type { CategoricalColumn, Column, Table } from '../../data/table.js';
import type { ConnRecord } from '../conn-record.js';
import { ConnExtractor } from './conn-features.js';
import type { FeatureExtractor, FeatureSetName } from './feature-set.js';
import { KddTrafficExtractor, type KddTrafficOptions } from './kdd-traffic.js';

export function createExtractor(set: FeatureSetName, options: KddTrafficOptions = {}): FeatureExtractor {
  return set === 'conn' ? new ConnExtractor() : new KddTrafficExtractor(options);
}

export interface FeatureTableOptions extends KddTrafficOptions {
  /**
   * Which label a row gets: `label` (IoT-23's Malicious/Benign) or `detailedLabel` (falling back to `label`
   * when a record has no detailed one, as IoT-23's benign rows). Default `label`; '' when a log has none.
   */
  labelFrom?: 'label' | 'detailedLabel';
  /**
   * Stable-sort the records by start time before computing features (default true). Zeek writes a
   * connection when it ends, so logs are not in start order, and the KDD windows assume they are.
   */
  sortByTime?: boolean;
  /** Raw label of a record, overriding `labelFrom` (a dataset deciding what benign means, say). */
  labelOf?: (record: ConnRecord) => string;
  /**
   * An extractor to continue (its windows keep what earlier calls saw), for scoring a stream batch by
   * batch; it must be of `set`. Default: a new one.
   */
  extractor?: FeatureExtractor;
}

export interface FeatureTable {
  /** Which feature set the table holds; a model trained on it must record this. */
  featureSet: FeatureSetName;
  /** Feature columns then the label column, as a DatasetSchema lists them. */
  columns: ColumnSpec[];
  /** Rows in feature order; `lineNumbers` are the records' source lines (or 1-based positions). */
  table: Table;
  /** Records that arrived earlier in time than one before them (0 after sorting). */
  outOfOrder: number;
}

/** Builds the feature columns of every record into a Table the preprocessing pipeline can train on. */
export function buildFeatureTable(
  records: readonly ConnRecord[],
  set: FeatureSetName,
  options: FeatureTableOptions = {},
): FeatureTable {
  const order = options.sortByTime === false ? null : timeOrder(records);
  const extractor = options.extractor ?? createExtractor(set, options);
  if (extractor.featureSet !== set) {
    throw new IotIdsError(`a ${extractor.featureSet} extractor was given for feature set ${set}`);
  }
  const n = records.length;
  const builders = extractor.columns.map((c): Float32Array | Dictionary =>
    c.type === 'numeric' ? new Float32Array(n) : new Dictionary(n),
  );
  const label = new Dictionary(n);
  const lineNumbers = new Uint32Array(n);
  const timestamps = new Float64Array(n);
  const labelFor = options.labelOf ?? ((r: ConnRecord) => labelOf(r, options.labelFrom ?? 'label'));
  const row: (number | string)[] = [];
  for (let i = 0; i < n; i++) {
    const position = order === null ? i : order[i];
    const r = records[position];
    extractor.next(r, row);
    for (let j = 0; j < builders.length; j++) {
      const b = builders[j];
      if (b instanceof Float32Array) b[i] = row[j] as number;
      else b.set(i, row[j] as string);
    }
    label.set(i, labelFor(r));
    lineNumbers[i] = r.line ?? position + 1;
    timestamps[i] = r.ts;
  }
  const features: Column[] = extractor.columns.map((c, j) => {
    const b = builders[j];
    return b instanceof Float32Array
      ? { kind: 'numeric', name: c.name, values: b }
      : { kind: 'categorical', name: c.name, codes: b.codes, categories: b.categories };
  });
  const labelColumn: CategoricalColumn = {
    kind: 'categorical',
    name: 'label',
    codes: label.codes,
    categories: label.categories,
  };
  return {
    featureSet: set,
    columns: [...extractor.columns, { name: 'label', type: 'label' }],
    // Each row's start time, so the time-split protocol can order rows as any timestamped dataset.
    table: { nRows: n, features, label: labelColumn, lineNumbers, timestamps },
    outOfOrder: extractor instanceof KddTrafficExtractor ? extractor.outOfOrder : 0,
  };
}

function labelOf(r: ConnRecord, from: 'label' | 'detailedLabel'): string {
  if (from === 'detailedLabel' && r.detailedLabel !== undefined && r.detailedLabel !== '')
    return r.detailedLabel;
  return r.label ?? '';
}

/** Indices of the records in start-time order (ties keep input order); null when already in order. */
function timeOrder(records: readonly ConnRecord[]): number[] | null {
  let sorted = true;
  for (let i = 1; i < records.length && sorted; i++) sorted = records[i - 1].ts <= records[i].ts;
  if (sorted) return null;
  const index = records.map((_, i) => i);
  return index.sort((a, b) => records[a].ts - records[b].ts || a - b);
}

class Dictionary {
  readonly codes: Int32Array;
  readonly categories: string[] = [];
  private readonly map = new Map<string, number>();

  constructor(n: number) {
    this.codes = new Int32Array(n);
  }

  set(i: number, value: string): void {
    let code = this.map.get(value);
    if (code === undefined) {
      code = this.categories.length;
      this.map.set(value, code);
      this.categories.push(value);
    }
    this.codes[i] = code;
  }
}
