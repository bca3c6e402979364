import type { ColumnSpec, DatasetSchema } from '../data/schema.js';
import { featureColumnsOf, labelNameOf, UNLABELLED } from './detection-table.js';
import { splitFields } from '../data/split-fields.js';

/**
 * The line formats detection input may have. Traffic captured live has no label, so besides the dataset's
 * own format (`all-columns`, whose label field is skipped unread) a line may leave the label out
 * (`without-label`: one field fewer) or hold the feature columns only (`features-only`: also without the
 * dataset's ignored columns, such as NSL-KDD's trailing difficulty or UNSW-NB15's id). Each layout has a
 * different field count, so the header, or the first data line that parses, tells which one a file uses;
 * every later line must then have the same count.
 */
export type LayoutKind = 'all-columns' | 'without-label' | 'features-only';

export interface InputLayout {
  readonly kind: LayoutKind;
  /** Column names in the order a line holds them. */
  readonly names: readonly string[];
  /**
   * What the table builder is given: the layout's columns, any label among them read as `ignore`, plus a
   * trailing label column whose field (`UNLABELLED`) is appended to every line. The builder insists on a
   * label column, and this way a missing or empty label can never get a row rejected.
   */
  readonly builderSchema: DatasetSchema;
}

/** The distinct layouts of `schema`, widest first (`features-only` is dropped when it equals `without-label`). */
export function inputLayouts(schema: DatasetSchema): InputLayout[] {
  const labelName = labelNameOf(schema);
  const withoutLabel = schema.columns.filter((c) => c.type !== 'label');
  const candidates: [LayoutKind, readonly ColumnSpec[]][] = [
    ['all-columns', schema.columns],
    ['without-label', withoutLabel],
  ];
  const featuresOnly = featureColumnsOf(schema.columns);
  if (featuresOnly.length !== withoutLabel.length) candidates.push(['features-only', featuresOnly]);
  return candidates.map(([kind, columns]) => ({
    kind,
    names: columns.map((c) => c.name),
    builderSchema: {
      ...schema,
      header: false,
      columns: [
        ...columns.map((c): ColumnSpec => (c.type === 'label' ? { name: c.name, type: 'ignore' } : c)),
        { name: labelName, type: 'label' },
      ],
      labelSuffix: undefined,
    },
  }));
}

/** The text appended to every line for the builder's synthetic label column. */
export function labelSuffixField(schema: DatasetSchema): string {
  return `${schema.delimiter || ','}${UNLABELLED}`;
}

/** Number of fields of a data line without building them when there are no quotes (the common case). */
export function countFields(text: string, delimiter: string): number | undefined {
  if (text.indexOf('"') !== -1 || delimiter.length !== 1) return splitFields(text, delimiter)?.length;
  let count = 1;
  for (let at = text.indexOf(delimiter); at !== -1; at = text.indexOf(delimiter, at + 1)) count++;
  return count;
}

/** "43 (all columns), 42 (without the label) or 41 (features only)", for wrong-column-count details. */
export function describeLayouts(layouts: readonly InputLayout[]): string {
  const what: Record<LayoutKind, string> = {
    'all-columns': 'all columns',
    'without-label': 'without the label',
    'features-only': 'features only',
  };
  const parts = layouts.map((l) => `${l.names.length} (${what[l.kind]})`);
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}
