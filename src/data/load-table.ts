import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { IotIdsError } from '../errors.js';
import type { CleaningReport } from './cleaning-report.js';
import { decodeInput, GzipTrailingDataError, type InputState } from './decode-input.js';
import { LineSplitter } from './line-splitter.js';
import type { DatasetSchema } from './schema.js';
import type { Table } from './table.js';
import { TableBuilder } from './table-builder.js';

export interface LoadOptions {
  /** Throw an IotIdsError naming file, line and field at the first rejected row. Default false (count it). */
  strict?: boolean;
  /** How many rejected rows the report lists. Default 100. */
  maxRejectedExamples?: number;
  /** Called at most every 100 ms and once at the end, for a progress bar. `bytesRead` counts input bytes
   * (compressed bytes for a gzip file), comparable with `totalBytes`, the file size. Default none. */
  onProgress?: (rowsRead: number, bytesRead: number, totalBytes: number | undefined) => void;
  /** Name used in messages and in the report. Default: the path (or 'stream'). */
  sourceName?: string;
}

export interface LoadResult {
  table: Table;
  report: CleaningReport;
  /** 53-bit key of each kept row's feature and label values (see row-key.ts), for duplicates and overlap. */
  rowKeys: Float64Array;
}

const READ_CHUNK_BYTES = 256 * 1024;
const PROGRESS_INTERVAL_MS = 100;

/** Loads a flow file, plain or gzip (detected by its magic bytes, whatever the extension). */
export async function loadTable(
  path: string,
  schema: DatasetSchema,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const file = options.sourceName ?? path;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new IotIdsError('not a regular file');
    size = info.size;
  } catch (error) {
    throw new IotIdsError(`cannot read file: ${errorText(error)}`, { location: { file }, cause: error });
  }
  const input = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  return loadFrom(input, schema, { ...options, sourceName: file }, size);
}

/** Loads from a stream such as stdin; gzip input is detected by its magic bytes here too. */
export async function loadTableFromStream(
  input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>,
  schema: DatasetSchema,
  options: LoadOptions = {},
): Promise<LoadResult> {
  return loadFrom(input, schema, { ...options, sourceName: options.sourceName ?? 'stream' }, undefined);
}

async function loadFrom(
  input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>,
  schema: DatasetSchema,
  options: LoadOptions & { sourceName: string },
  totalBytes: number | undefined,
): Promise<LoadResult> {
  const file = options.sourceName;
  const builder = new TableBuilder(schema, {
    file,
    strict: options.strict,
    maxRejectedExamples: options.maxRejectedExamples,
  });
  const splitter = new LineSplitter(builder);
  const source: InputState = { bytesRead: 0, gzip: false };
  const onProgress = options.onProgress;
  let lastProgress = Date.now();
  try {
    for await (const text of decodeInput(input, source)) {
      splitter.push(text);
      if (onProgress !== undefined && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        onProgress(builder.report.rowsRead, source.bytesRead, totalBytes);
      }
    }
    splitter.end();
  } catch (error) {
    if (error instanceof IotIdsError) throw error;
    if (error instanceof GzipTrailingDataError) {
      throw new IotIdsError(`${error.message}; no partial table is returned`, {
        location: { file },
        cause: error,
      });
    }
    const rows = builder.report.rowsRead;
    const what = source.gzip
      ? `gzip data is truncated or corrupt (${errorText(error)})`
      : `read failed (${errorText(error)})`;
    throw new IotIdsError(
      `${what} after ${rows} data row${rows === 1 ? '' : 's'} (near line ${splitter.lineNumber}); ` +
        'the file is incomplete, so no partial table is returned',
      { location: { file }, cause: error },
    );
  }
  onProgress?.(builder.report.rowsRead, source.bytesRead, totalBytes);
  return builder.finish();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
