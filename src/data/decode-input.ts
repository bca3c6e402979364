import { Readable, pipeline, type TransformOptions } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, type ZlibOptions } from 'node:zlib';

/** What the decoder learned about its input while streaming it. */
export interface InputState {
  /** Input bytes consumed so far (compressed bytes for gzip input). */
  bytesRead: number;
  /** Whether the input started with the gzip magic bytes. */
  gzip: boolean;
}

export type ByteSource = NodeJS.ReadableStream | AsyncIterable<Buffer | string>;

/**
 * Turns raw input (plain or gzip, detected by the magic bytes 1f 8b whatever the file name says) into
 * UTF-8 text chunks with a leading BOM removed; the loader and streaming detection both read through it.
 * Pulling chunks one at a time keeps memory bounded by the chunk size, and a slow consumer slows the
 * reading down (no buffering ahead).
 */
export async function* decodeInput(input: ByteSource, state: InputState): AsyncGenerator<string> {
  let first = true;
  for await (let text of decodeUtf8(inputBytes(input, state))) {
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
}

/**
 * The raw input as bytes, inflated when it is gzip (see decodeInput), before any UTF-8 decoding: the
 * loader's byte path (byte-rows.ts) reads this. `inflatedChunkBytes` sets zlib's output chunk size
 * (default 16 KiB); larger chunks cost far fewer stream round trips per megabyte.
 */
export function inputBytes(
  input: ByteSource,
  state: InputState,
  inflatedChunkBytes?: number,
): AsyncGenerator<Buffer> {
  return decompressIfGzip(countBytes(input, state), state, inflatedChunkBytes);
}

async function* countBytes(input: ByteSource, state: InputState): AsyncGenerator<Buffer> {
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    state.bytesRead += bytes.length;
    yield bytes;
  }
}

async function* decompressIfGzip(
  source: AsyncIterable<Buffer>,
  state: InputState,
  inflatedChunkBytes: number | undefined,
): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done === true) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    yield* { [Symbol.asyncIterator]: () => iterator };
  }
  state.gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!state.gzip) {
    yield* rest();
    return;
  }
  // zlib ignores what follows a gzip member when it starts with a zero byte and fails on anything else
  // as if it were a damaged member header. Both are refused here the same way, saying what follows.
  const fed = { bytes: 0, tail: Buffer.alloc(0) };
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of rest()) {
      fed.bytes += chunk.length;
      fed.tail = Buffer.concat([fed.tail, chunk]).subarray(-TAIL_BYTES);
      yield chunk;
    }
  }
  const firstHeaderValid = head.length >= 4 && head[2] === 8 && (head[3] & 0xe0) === 0;
  // With large output chunks, a read-ahead of four keeps zlib inflating on the thread pool while the caller
  // parses (the default high-water mark would stop it after each chunk until the caller asks again).
  // (zlib hands its options to the Transform it is, though @types/node's ZlibOptions does not say so.)
  const options: ZlibOptions & TransformOptions =
    inflatedChunkBytes === undefined
      ? {}
      : { chunkSize: inflatedChunkBytes, readableHighWaterMark: 4 * inflatedChunkBytes };
  const gunzip = createGunzip(options);
  // Errors of either side surface through the gunzip iterator below; the callback has nothing left to do.
  pipeline(Readable.from(counted()), gunzip, () => {});
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (firstHeaderValid && /^(incorrect header check|unknown compression method)$/.test(message)) {
      throw new GzipTrailingDataError(
        `bytes that are not a gzip stream follow the gzip stream (zlib: ${message})`,
      );
    }
    throw error;
  }
  const trailing = fed.bytes - gunzip.bytesWritten;
  if (trailing > 0) {
    const seen = fed.tail.subarray(-Math.min(trailing, TAIL_BYTES));
    const what =
      trailing <= TAIL_BYTES && seen.every((b) => b === 0)
        ? 'all zero'
        : `starting ${[...seen.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    throw new GzipTrailingDataError(`${trailing} bytes follow the gzip stream (${what})`);
  }
}

/** Input bytes kept to describe what follows a gzip stream. */
const TAIL_BYTES = 64 * 1024;

/**
 * A gzip input with data after its stream (zeros or anything else). The file may be damaged or two files
 * glued together, so it is refused whole; the message says what follows the stream.
 */
export class GzipTrailingDataError extends Error {
  constructor(what: string) {
    super(`the file has trailing data after its gzip stream: ${what}`);
    this.name = 'GzipTrailingDataError';
  }
}

/** Invalid bytes become U+FFFD, which the table builder then rejects in text fields. */
async function* decodeUtf8(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const bytes of source) yield decoder.write(bytes);
  yield decoder.end();
}
