import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { IotIdsError } from '../errors.js';
import type { CleaningReport } from './cleaning-report.js';
import { ByteRowReader } from './byte-rows.js';
import { decodeInput, GzipTrailingDataError, inputBytes, type InputState } from './decode-input.js';
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
  /**
   * 'bytes' (default): parse the common lines straight from the bytes with the WebAssembly kernel
   * (byte-rows.ts), where the schema allows it; 'text': decode to strings and parse every line in
   * TypeScript, the reference path. Both give the same table, report and row keys.
   */
  reader?: 'bytes' | 'text';
}

export interface LoadResult {
  table: Table;
  report: CleaningReport;
  /** 53-bit key of each kept row's feature and label values (see row-key.ts), for duplicates and overlap. */
  rowKeys: Float64Array;
}

const READ_CHUNK_BYTES = 256 * 1024;
/** zlib's output chunk on the byte path: its default 16 KiB cost ≈ 0.2 s of stream overhead on KDD'99 10 %. */
const INFLATED_CHUNK_BYTES = 256 * 1024;
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
  return loadFrom(input, schema, { ...options, sourceName: file }, size, await decodedSize(path, size));
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
  expectedBytes?: number,
): Promise<LoadResult> {
  const file = options.sourceName;
  const builder = new TableBuilder(schema, {
    file,
    strict: options.strict,
    maxRejectedExamples: options.maxRejectedExamples,
  });
  const source: InputState = { bytesRead: 0, gzip: false };
  const onProgress = options.onProgress;
  let lastProgress = Date.now();
  const progress = (): void => {
    if (onProgress !== undefined && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
      lastProgress = Date.now();
      onProgress(builder.report.rowsRead, source.bytesRead, totalBytes);
    }
  };
  const byBytes = options.reader !== 'text' && ByteRowReader.accepts(builder);
  const splitter = byBytes ? new ByteRowReader(builder, expectedBytes) : new LineSplitter(builder);
  try {
    if (splitter instanceof ByteRowReader) {
      for await (const bytes of inputBytes(input, source, INFLATED_CHUNK_BYTES)) {
        splitter.push(bytes);
        progress();
      }
    } else {
      for await (const text of decodeInput(input, source)) {
        splitter.push(text);
        progress();
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

/**
 * The file's size once decoded, as a hint for sizing the table: a gzip file's ISIZE (its last four bytes,
 * the inflated size modulo 2^32), a plain file's size. Undefined when it cannot be read; a wrong hint only
 * costs time.
 */
async function decodedSize(path: string, size: number): Promise<number | undefined> {
  if (size < 18) return size;
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    const head = Buffer.alloc(2);
    const tail = Buffer.alloc(4);
    await file.read(head, 0, 2, 0);
    if (head[0] !== 0x1f || head[1] !== 0x8b) return size;
    await file.read(tail, 0, 4, size - 4);
    return tail.readUInt32LE(0);
  } catch {
    return undefined;
  } finally {
    await file?.close();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
