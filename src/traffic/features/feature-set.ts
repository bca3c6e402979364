import type { ColumnSpec } from '../../data/schema.js';
import type { ConnRecord } from '../conn-record.js';

/** The feature sets built from connection records; a model records which one it was trained on. */
export const FEATURE_SETS = ['conn', 'kdd-traffic'] as const;
export type FeatureSetName = (typeof FEATURE_SETS)[number];

export function isFeatureSetName(value: string): value is FeatureSetName {
  return (FEATURE_SETS as readonly string[]).includes(value);
}

/** Turns a time-ordered stream of records into feature rows, one call per record. */
export interface FeatureExtractor {
  readonly featureSet: FeatureSetName;
  /** The feature columns in output order (numeric or categorical; no label). */
  readonly columns: readonly ColumnSpec[];
  /**
   * Writes the record's features into `out` (numbers for numeric columns, strings for categorical ones),
   * in `columns` order. Window features see every record passed before this one.
   */
  next(record: ConnRecord, out: (number | string)[]): void;
}
