import type { DatasetSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { recordsToTable, type RecordError } from '../detection/json-records.js';
import type { FeatureSetName } from '../traffic/features/feature-set.js';
import { bodyFormatOf, csvHeaderParameter, isTrafficFormat, type BodyFormat } from './body-format.js';
import { csvLineRecord, decodeCsvBody } from './csv-body.js';
import { HttpError } from './http-error.js';
import { parseRecords } from './request-body.js';
import { sourceKeysOf, withSourceField } from './source-key.js';
import { decodeTrafficBody, type SkippedLines } from './traffic-body.js';

/** What a `/v1/detect` body is checked against; plain data, so it can be posted to a worker thread. */
export interface DetectBodyRequest {
  contentType: string | undefined;
  /** `?format=`: overrides the content type (see `bodyFormatOf`). */
  format?: string;
  /** `?features=`: the traffic feature set the client expects the model to have. */
  features?: string;
  /** The model's input schema (`Detector.inputSchema`). */
  schema: DatasetSchema;
  /** The traffic feature set the model was trained on, undefined for a model of dataset columns. */
  featureSet?: FeatureSetName;
  maxRecords: number;
  sourceField: string | undefined;
  /** The client's address: the source key of records without a source field. */
  client: string;
}

/** One invalid record (JSON) or rejected line (CSV); `line` is set for CSV. */
export type BodyError = RecordError & { line?: number };

/** A parsed and validated body. */
export interface DecodedBody {
  format: BodyFormat;
  /** Records (JSON), data lines (CSV) or connections read (flow logs) in the body, valid or not. */
  recordCount: number;
  /** The valid records (see `recordsToTable`). */
  table: Table;
  /** Invalid JSON records or rejected CSV lines; the request is refused when there are any. */
  errors: BodyError[];
  /** Flow logs only: lines that gave no connection (other event types, damaged lines), counted. */
  skipped?: SkippedLines;
  /** 0-based body position of each table row: the record's index (JSON) or line (CSV, flow logs). */
  rowIndices: Int32Array;
  /** Source key of every table row, or one for all of them (see `sourceKeysOf`). */
  source: string | string[];
  /** Time spent parsing and validating, in ms. */
  parseMs: number;
  validateMs: number;
}

/**
 * Turns the bytes of a `/v1/detect` body into a table of valid records, by its format (`bodyFormatOf`):
 * JSON and NDJSON records through `recordsToTable`, CSV lines through the file reader (`decodeCsvBody`),
 * flow logs through the traffic entrance into the model's feature set (`decodeTrafficBody`). Malformed
 * bodies, too many records and a model that cannot read the format throw `HttpError`; invalid records and
 * rejected lines are listed in `errors`, skipped flow-log lines counted in `skipped`.
 */
export async function decodeDetectBody(body: Uint8Array, request: DetectBodyRequest): Promise<DecodedBody> {
  let started = performance.now();
  const columns = request.schema.columns.map((c) => c.name);
  const format = bodyFormatOf(request.contentType, request.format, body, columns);
  if (isTrafficFormat(format)) {
    const traffic = decodeTrafficBody(body, format, request, request.maxRecords);
    return { format, ...traffic, errors: [], parseMs: performance.now() - started, validateMs: 0 };
  }
  requireFeatures(request);
  if (format === 'csv') {
    const header = csvHeaderParameter(request.contentType);
    const csv = await decodeCsvBody(body, request.schema, request.maxRecords, header);
    return {
      format,
      ...csv,
      source: request.client,
      parseMs: performance.now() - started,
      validateMs: 0,
    };
  }
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const records = parseRecords(text, format, request.maxRecords);
  const parseMs = performance.now() - started;
  started = performance.now();
  const { table, errors, rowIndices } = recordsToTable(
    records,
    withSourceField(request.schema, request.sourceField),
  );
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

/** `?features=` with records in the model's own columns: they must be the feature set the model has. */
function requireFeatures(request: DetectBodyRequest): void {
  const wanted = request.features;
  if (wanted === undefined || wanted === '' || wanted === request.featureSet) return;
  const has =
    request.featureSet === undefined
      ? `the columns of dataset "${request.schema.name}"`
      : `"${request.featureSet}" features`;
  throw new HttpError(
    422,
    `the served model was trained on ${has}, but the request asks for "${wanted.slice(0, 40)}" features`,
    { modelFeatureSet: request.featureSet ?? null, requested: wanted.slice(0, 40) },
  );
}

/**
 * The submitted record of each table row, parsed again from the body on first use: the JSON record, the
 * CSV line's fields by column name, or the flow-log line (a JSON object for Zeek JSON and eve.json, else
 * `{line, text}`). Only the first record of a new alert is stored, so the body is rarely parsed twice, and
 * never on the event loop otherwise.
 */
export function submittedRecords(
  body: Uint8Array,
  format: BodyFormat,
  rowIndices: Int32Array,
  schema: DatasetSchema,
): (row: number) => unknown {
  const text = (): string => Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (format === 'json' || format === 'ndjson') {
    let records: unknown[] | undefined;
    return (row) => {
      records ??= parseRecords(text(), format, Number.POSITIVE_INFINITY);
      return records[rowIndices[row]];
    };
  }
  let lines: string[] | undefined;
  return (row) => {
    lines ??= text()
      .replace(/^\uFEFF/, '')
      .split('\n');
    const index = rowIndices[row];
    if (format === 'csv') return csvLineRecord(lines, index, schema);
    const line = (lines[index] ?? '').trim();
    if (format === 'zeek-json' || format === 'eve') {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        // The line parsed when it was decoded; only a changed body could get here.
      }
    }
    return { line: index + 1, text: line };
  };
}
