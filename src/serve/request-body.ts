import type { IncomingMessage } from 'node:http';
import { ClientAbortedError, HttpError } from './http-error.js';

/**
 * Reads a request body into memory, refusing it with 413 as soon as it is known to exceed `maxBytes`: from
 * Content-Length before reading anything, or once the bytes received pass the limit (chunked uploads).
 * Reading stops there; the server answers with `Connection: close`, so the rest is never buffered.
 */
export function readBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  // Listeners rather than for-await: leaving a for-await loop early destroys the socket, and the client
  // should get its 413.
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        incoming.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    };
    // An error on the request stream means the connection broke: the client is gone either way.
    const onError = (): void => {
      cleanup();
      reject(new ClientAbortedError());
    };
    const onClose = (): void => onError();
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(
    413,
    `request body is larger than the limit of ${maxBytes} bytes`,
    {},
    {
      connection: 'close',
    },
  );
}

/** How a body of records is laid out. */
export type RecordsFormat = 'json' | 'ndjson';

/**
 * Parses a body of records: a JSON array of objects, or NDJSON (one object per line, blank lines skipped).
 * Malformed JSON is a 400 naming the position (JSON) or line (NDJSON); what each record holds is checked
 * later, by `recordsToTable`.
 */
export function parseRecords(body: string, format: RecordsFormat, maxRecords: number): unknown[] {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, `malformed JSON: ${shortMessage(error)}`);
    }
    if (!Array.isArray(value)) {
      throw new HttpError(
        400,
        'expected a JSON array of records (or NDJSON with Content-Type application/x-ndjson)',
      );
    }
    if (value.length > maxRecords) throw tooManyRecords(value.length, maxRecords);
    return value;
  }
  const records: unknown[] = [];
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    line++;
    const content = text.slice(start, end).trim();
    start = end + 1;
    if (content.length === 0) continue;
    if (records.length >= maxRecords) throw tooManyRecords(records.length + 1, maxRecords);
    try {
      records.push(JSON.parse(content));
    } catch (error) {
      throw new HttpError(400, `malformed NDJSON at line ${line}: ${shortMessage(error)}`, { line });
    }
  }
  return records;
}

function tooManyRecords(count: number, maxRecords: number): HttpError {
  return new HttpError(413, `more than ${maxRecords} records in one request (got ${count}); split it`);
}

/** JSON.parse messages quote the input; keep them short. */
function shortMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
