import type { DatasetSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { countFields } from '../detection/input-layouts.js';
import { recordsToTable } from '../detection/json-records.js';
import { streamRecordBatches } from '../detection/record-batches.js';
import { UNLABELLED } from '../detection/detection-table.js';
import { trafficFeatureSetOf } from '../detection/score-connections.js';
import type { ModelManifest } from '../models/model-dir.js';
import { SkipTally, type ConnRecord } from '../traffic/conn-record.js';
import { buildFeatureTable, createExtractor } from '../traffic/features/feature-table.js';
import type { FeatureExtractor, FeatureSetName } from '../traffic/features/feature-set.js';
import { untagged, zeekJsonRecord } from '../traffic/logs/zeek-json.js';

/**
 * The formats a Kafka message value may have. Each message holds exactly one flow record, either
 *   - a JSON object with one field per column name (as the HTTP API takes; first non-blank character `{`),
 *     validated by `recordsToTable`, or
 *   - one CSV line in the dataset's own format, with or without the label (and ignored) columns, as
 *     `iot-ids detect` reads files; one trailing line break is allowed, or
 *   - for a model trained on a traffic feature set (`conn`, `kdd-traffic`): one Zeek conn record as JSON, as
 *     Zeek's Kafka writer sends it (`{"ts": …, "id.orig_h": …}`, or `{"conn": {…}}` with `Kafka::tag_json`),
 *     read by the Zeek JSON reader of the traffic entrance and turned into the model's features.
 * All kinds may be mixed on one topic. The message key is not read.
 */
export type MessageFormat = 'json' | 'csv' | 'zeek-json';

/**
 * What Zeek conn records on a topic are turned into: the model's traffic feature set, by one extractor kept
 * for the whole consumer, so the KDD window features of a step see the connections of earlier steps.
 */
export interface TrafficMessages {
  featureSet: FeatureSetName;
  extractor: FeatureExtractor;
}

/** The traffic context of a model trained on a traffic feature set; undefined for a model of CSV columns. */
export function trafficMessagesFor(manifest: ModelManifest): TrafficMessages | undefined {
  const featureSet = trafficFeatureSetOf(manifest);
  return featureSet === undefined ? undefined : { featureSet, extractor: createExtractor(featureSet) };
}

/** Why one message was not scored. */
export interface MessageRejection {
  /** Position of the message in the decoded list. */
  index: number;
  /** `invalid JSON`, `several lines in one message`, or a loader reason such as `wrong column count`. */
  reason: string;
  /** The column at fault, when the problem is in one field. */
  field?: string;
  /** The loader's or validator's explanation. */
  detail?: string;
}

/** Valid records of one format, ready for `Detector.scoreTable`. */
export interface DecodedPart {
  format: MessageFormat;
  table: Table;
  /** Message position of each table row. */
  messageIndices: Int32Array;
}

export interface DecodedMessages {
  parts: DecodedPart[];
  /** Every message that was not scored, in message order. */
  rejected: MessageRejection[];
}

export const REJECTIONS = {
  empty: 'empty message',
  invalidJson: 'invalid JSON',
  invalidRecord: 'invalid JSON record',
  severalLines: 'several lines in one message',
} as const;

/**
 * Decodes a batch of message values into detection tables. A bad message is rejected with its position and
 * reason and never stops the others. CSV lines are grouped by field count so that each group has one line
 * layout (a topic may carry lines with and without the label); each group goes through the same
 * streaming reader and field validation as `iot-ids detect`, and the JSON objects through
 * `recordsToTable`, so a record is accepted or rejected exactly as it would be in a file or HTTP request.
 */
export async function decodeMessages(
  values: readonly (Buffer | string | null)[],
  schema: DatasetSchema,
  traffic?: TrafficMessages,
): Promise<DecodedMessages> {
  const rejected: MessageRejection[] = [];
  const connections: ConnRecord[] = [];
  const jsonRecords: unknown[] = [];
  const jsonIndices: number[] = [];
  const csvGroups = new Map<number, { lines: string[]; indices: number[] }>();
  const delimiter = schema.delimiter || ',';

  values.forEach((value, index) => {
    const text = value === null ? '' : typeof value === 'string' ? value : value.toString('utf8');
    const trimmed = text.replace(/^\uFEFF/, '').trim();
    if (trimmed.length === 0) {
      rejected.push({ index, reason: REJECTIONS.empty });
    } else if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        const value = JSON.parse(trimmed) as unknown;
        const connection = traffic && zeekConnection(value, index, rejected);
        if (connection === undefined) {
          jsonRecords.push(value);
          jsonIndices.push(index);
        } else if (connection !== null) {
          connections.push(connection);
        }
      } catch (error) {
        rejected.push({ index, reason: REJECTIONS.invalidJson, detail: (error as Error).message });
      }
    } else if (/[\r\n]/.test(trimmed)) {
      rejected.push({
        index,
        reason: REJECTIONS.severalLines,
        detail: `${trimmed.split(/\r?\n/).length} lines; send one record per message`,
      });
    } else {
      const count = countFields(trimmed, delimiter) ?? -1;
      const group = csvGroups.get(count) ?? { lines: [], indices: [] };
      group.lines.push(trimmed);
      group.indices.push(index);
      csvGroups.set(count, group);
    }
  });

  const parts: DecodedPart[] = [];
  if (jsonRecords.length > 0) {
    const { table, errors, rowIndices } = recordsToTable(jsonRecords, schema);
    // Several problems of one record become one rejection, naming the first.
    const seen = new Set<number>();
    for (const error of errors) {
      if (seen.has(error.index)) continue;
      seen.add(error.index);
      rejected.push({
        index: jsonIndices[error.index],
        reason: REJECTIONS.invalidRecord,
        field: error.field,
        detail: error.message,
      });
    }
    if (table.nRows > 0) {
      parts.push({
        format: 'json',
        table,
        messageIndices: Int32Array.from(rowIndices, (r) => jsonIndices[r]),
      });
    }
  }
  if (traffic && connections.length > 0) {
    // In start order within the step (Zeek sends a connection when it ends); the extractor carries on.
    const { table } = buildFeatureTable(connections, traffic.featureSet, {
      extractor: traffic.extractor,
      labelOf: () => UNLABELLED,
    });
    const messageIndices = Int32Array.from(table.lineNumbers, (line) => line - 1);
    parts.push({ format: 'zeek-json', table: { ...table, timestamps: undefined }, messageIndices });
  }
  for (const group of csvGroups.values()) {
    const lines = group.lines;
    const batches = streamRecordBatches(oneChunk(`${lines.join('\n')}\n`), schema, {
      header: false,
      batchRows: lines.length,
      sourceName: 'kafka message',
    });
    for await (const batch of batches) {
      for (const row of batch.rejected) {
        rejected.push({
          index: group.indices[row.line - 1],
          reason: row.reason,
          field: row.field,
          detail: row.detail,
        });
      }
      if (batch.table.nRows > 0) {
        const indices = Int32Array.from(batch.table.lineNumbers, (line) => group.indices[line - 1]);
        parts.push({ format: 'csv', table: batch.table, messageIndices: indices });
      }
    }
  }
  rejected.sort((a, b) => a.index - b.index);
  return { parts, rejected };
}

/**
 * A message that is a Zeek conn record (keys `id.orig_h`…, possibly wrapped as `{"conn": {…}}`) as a
 * connection; null when it is one but the Zeek reader skipped it (the reason is added to `rejected`);
 * undefined when it is not a Zeek record (then it is a record in the model's own columns).
 */
function zeekConnection(
  value: unknown,
  index: number,
  rejected: MessageRejection[],
): ConnRecord | null | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const inner = untagged(o);
  if (inner === o && !('id.orig_h' in o)) return undefined;
  const skipped = new SkipTally(1);
  // The line number is the message's position + 1, so the feature table's rows map back to messages.
  const record = zeekJsonRecord(inner, index + 1, { file: 'kafka message', skipped, headerLines: 0 });
  if (record !== undefined) return record;
  const [reason, examples] = Object.entries(skipped.examples())[0] ?? ['skipped', []];
  const field = /field "([^"]+)"/.exec(examples[0] ?? '')?.[1];
  rejected.push({ index, reason: `Zeek conn record: ${reason}`, ...(field !== undefined ? { field } : {}) });
  return null;
}

async function* oneChunk(text: string): AsyncGenerator<string> {
  yield await Promise.resolve(text);
}
