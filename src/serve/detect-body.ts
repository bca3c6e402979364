import type { DatasetSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { recordsToTable, type RecordError } from '../detection/json-records.js';
import { parseRecords, recordsFormatOf, type RecordsFormat } from './request-body.js';
import { sourceKeysOf } from './source-key.js';

/** What a `/v1/detect` body is checked against; plain data, so it can be posted to a worker thread. */
export interface DetectBodyRequest {
  contentType: string | undefined;
  /** The model's input schema, with the source field as an ignored column (`withSourceField`). */
  schema: DatasetSchema;
  maxRecords: number;
  sourceField: string | undefined;
  /** The client's address: the source key of records without a source field. */
  client: string;
}

/** A parsed and validated body. */
export interface DecodedBody {
  format: RecordsFormat;
  /** Records in the body, valid or not. */
  recordCount: number;
  /** The valid records (see `recordsToTable`). */
  table: Table;
  errors: RecordError[];
  /** 0-based body position of each table row. */
  rowIndices: Int32Array;
  /** Source key of every table row, or one for all of them (see `sourceKeysOf`). */
  source: string | string[];
  /** Time spent parsing and validating, in ms. */
  parseMs: number;
  validateMs: number;
}

/**
 * Turns the bytes of a `/v1/detect` body into a table of valid records. Malformed JSON and too many
 * records throw `HttpError` (see `parseRecords`); invalid records are listed in `errors`, not thrown.
 */
export function decodeDetectBody(body: Uint8Array, request: DetectBodyRequest): DecodedBody {
  let started = performance.now();
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const format = recordsFormatOf(request.contentType, text);
  const records = parseRecords(text, format, request.maxRecords);
  const parseMs = performance.now() - started;
  started = performance.now();
  const { table, errors, rowIndices } = recordsToTable(records, request.schema);
  const source = sourceKeysOf(records, rowIndices, request.sourceField, request.client);
  return {
    format,
    recordCount: records.length,
    table,
    errors,
    rowIndices,
    source,
    parseMs,
    validateMs: performance.now() - started,
  };
}

/**
 * The submitted record of each table row, parsed again from the body on first use. Only the first record
 * of a new alert is stored, so the body is rarely parsed twice, and never on the event loop otherwise.
 */
export function submittedRecords(
  body: Uint8Array,
  format: RecordsFormat,
  rowIndices: Int32Array,
): (row: number) => unknown {
  let records: unknown[] | undefined;
  return (row) => {
    records ??= parseRecords(
      Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
      format,
      Number.POSITIVE_INFINITY,
    );
    return records[rowIndices[row]];
  };
}
