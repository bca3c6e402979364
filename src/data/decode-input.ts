import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

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
  for await (let text of decodeUtf8(decompressIfGzip(countBytes(input, state), state))) {
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
}

async function* countBytes(input: ByteSource, state: InputState): AsyncGenerator<Buffer> {
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    state.bytesRead += bytes.length;
    yield bytes;
  }
}

async function* decompressIfGzip(source: AsyncIterable<Buffer>, state: InputState): AsyncGenerator<Buffer> {
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
  const gunzip = createGunzip();
  // Errors of either side surface through the gunzip iterator below; the callback has nothing left to do.
  pipeline(Readable.from(rest()), gunzip, () => {});
  yield* gunzip as AsyncIterable<Buffer>;
}

/** Invalid bytes become U+FFFD, which the table builder then rejects in text fields. */
async function* decodeUtf8(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const bytes of source) yield decoder.write(bytes);
  yield decoder.end();
}
