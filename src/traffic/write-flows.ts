import type { ConnRecord } from './conn-record.js';
import { createExtractor } from './features/feature-table.js';
import type { FeatureSetName } from './features/feature-set.js';
import { ZEEK_CONN_FIELDS, ZEEK_ID_FIELDS, zeekFields, type FieldValue } from './zeek-fields.js';

export interface WriteFlowsOptions {
  /** Feature set to add; without one, every Zeek field is written. */
  features?: FeatureSetName;
  format: 'ndjson' | 'csv';
}

/** Where text goes (a file written atomically, or stdout); resolves when it can take more. */
export interface TextSink {
  write(text: string): Promise<void>;
}

const LINES_PER_WRITE = 2048;

/**
 * Writes connection records (already in start order) as NDJSON or CSV. Without features: the Zeek conn.log
 * fields. With a feature set: the connection's identity (ts, uid, addresses, ports), the features in the
 * set's column order, then the label columns when the input had them — a CSV a schema file can train on.
 */
export async function writeFlows(
  records: readonly ConnRecord[],
  sink: TextSink,
  options: WriteFlowsOptions,
): Promise<void> {
  const extractor = options.features ? createExtractor(options.features) : undefined;
  const labelled = records.some((r) => r.label !== undefined);
  const detailed = records.some((r) => r.detailedLabel !== undefined);
  const baseFields = extractor ? ZEEK_ID_FIELDS : ZEEK_CONN_FIELDS;
  const featureNames = extractor?.columns.map((c) => c.name) ?? [];
  const csvHeader = [
    ...baseFields.map(([name]) => name),
    ...featureNames,
    ...(labelled ? ['label'] : []),
    ...(detailed ? ['detailed-label'] : []),
  ];
  const row: (number | string)[] = [];
  let buffer: string[] = [];
  if (options.format === 'csv') buffer.push(csvHeader.map(csvCell).join(','));
  for (const record of records) {
    const fields = zeekFields(record, baseFields);
    if (extractor) {
      extractor.next(record, row);
      for (let j = 0; j < featureNames.length; j++) fields[featureNames[j]] = row[j];
    }
    if (options.format === 'ndjson') buffer.push(JSON.stringify(fields));
    else buffer.push(csvHeader.map((name) => csvCell(fields[name] ?? null)).join(','));
    if (buffer.length >= LINES_PER_WRITE) {
      await sink.write(`${buffer.join('\n')}\n`);
      buffer = [];
    }
  }
  if (buffer.length) await sink.write(`${buffer.join('\n')}\n`);
}

function csvCell(value: FieldValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
