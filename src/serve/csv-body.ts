import type { DatasetSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { splitFields } from '../data/split-fields.js';
import { IotIdsError } from '../errors.js';
import { emptyTable } from '../detection/detection-table.js';
import { inputLayouts } from '../detection/input-layouts.js';
import { streamRecordBatches } from '../detection/record-batches.js';
import { concatTables } from '../detection/table-concat.js';
import { HttpError } from './http-error.js';

/** One rejected CSV line, as the file reader (and the Kafka path) rejects it. */
export interface CsvLineError {
  /** 0-based line position in the body (a header counts as line 0). */
  index: number;
  /** 1-based line number. */
  line: number;
  field?: string;
  message: string;
}

export interface CsvBody {
  table: Table;
  errors: CsvLineError[];
  /** Data lines (kept and rejected); blank lines and the header are not records. */
  recordCount: number;
  /** 0-based body line of each table row. */
  rowIndices: Int32Array;
}

/**
 * A `text/csv` body: lines in the model's own dataset format, through the same streaming reader and field
 * validation as `iot-ids detect` files and Kafka CSV messages (`streamRecordBatches`), so a line is accepted
 * or rejected exactly as it would be there — with or without the label (and ignored) columns. `header`
 * says whether the first line names the columns (`text/csv; header=present|absent`); undefined: it is a
 * header when its fields are exactly the column names of one of the layouts. More than `maxRecords` data
 * lines is a 413; a header naming other columns is a 400.
 */
export async function decodeCsvBody(
  body: Uint8Array,
  schema: DatasetSchema,
  maxRecords: number,
  header: boolean | undefined,
): Promise<CsvBody> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const withHeader = header ?? startsWithHeader(bytes, schema);
  const tables: Table[] = [];
  const errors: CsvLineError[] = [];
  let recordCount = 0;
  try {
    const batches = streamRecordBatches(oneChunk(bytes), schema, {
      header: withHeader,
      batchRows: Math.min(maxRecords + 1, 1 << 16),
      sourceName: 'request body',
    });
    for await (const batch of batches) {
      recordCount += batch.table.nRows + batch.rejected.length;
      if (recordCount > maxRecords) {
        throw new HttpError(413, `more than ${maxRecords} records in one request; split it`);
      }
      if (batch.table.nRows > 0) tables.push(batch.table);
      for (const row of batch.rejected) {
        const detail = row.detail === undefined ? '' : ` (${row.detail})`;
        errors.push({
          index: row.line - 1,
          line: row.line,
          ...(row.field !== undefined ? { field: row.field } : {}),
          message: `${row.reason}${detail}`,
        });
      }
    }
  } catch (error) {
    if (error instanceof HttpError || !(error instanceof IotIdsError)) throw error;
    throw new HttpError(400, `malformed CSV: ${error.message}`, {}, {}, error);
  }
  const table = tables.length === 0 ? emptyTable(schema) : concatTables(tables);
  const rowIndices = Int32Array.from(table.lineNumbers, (line) => line - 1);
  return { table, errors, recordCount, rowIndices };
}

/** The fields of body line `index` (0-based) by column name, for the record stored with an alert. */
export function csvLineRecord(lines: readonly string[], index: number, schema: DatasetSchema): unknown {
  const text = (lines[index] ?? '').replace(/\r$/, '');
  const fields = splitFields(text, schema.delimiter || ',');
  const layout = inputLayouts(schema).find((l) => l.names.length === fields?.length);
  if (fields === undefined || layout === undefined) return { line: index + 1, csv: text };
  return Object.fromEntries(layout.names.map((name, j) => [name, fields[j]]));
}

/** Whether the first non-blank line holds exactly the column names of one of the schema's layouts. */
function startsWithHeader(bytes: Buffer, schema: DatasetSchema): boolean {
  const head = bytes
    .subarray(0, 64 * 1024)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const first = head.split('\n').find((l) => l.trim().length > 0);
  if (first === undefined) return false;
  const fields = splitFields(first.replace(/\r$/, ''), schema.delimiter || ',')?.map((f) => f.trim());
  if (fields === undefined) return false;
  return inputLayouts(schema).some(
    (l) => l.names.length === fields.length && l.names.every((name, j) => name === fields[j]),
  );
}

async function* oneChunk(bytes: Buffer): AsyncGenerator<Buffer> {
  yield await Promise.resolve(bytes);
}
