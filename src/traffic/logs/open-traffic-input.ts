import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DETECT_BYTES, FormatProbe, detectTrafficFormat, type TrafficFormat } from './traffic-format.js';

/** A file stream, stdin, any async byte iterable, or an array of byte chunks (benchmarks, tests). */
export type TrafficSource =
  NodeJS.ReadableStream | AsyncIterable<Buffer | string | Uint8Array> | Iterable<Buffer | Uint8Array>;

export interface OpenedTrafficInput {
  /** The detected format (undefined when the first bytes match none). */
  format: TrafficFormat | undefined;
  /** Whether the input was gzip (magic 1f 8b, whatever its name says). */
  gzip: boolean;
  /** The decompressed bytes, starting from the beginning (the peeked bytes are replayed). */
  chunks: AsyncIterable<Buffer>;
}

/**
 * Opens a file stream, stdin or any byte iterable: gunzips it when it starts with the gzip magic, peeks at the
 * first bytes to detect the format and hands back a stream that replays them. Nothing is read ahead beyond
 * the peek, so memory stays bounded by the chunk size.
 */
export async function openTrafficInput(source: TrafficSource): Promise<OpenedTrafficInput> {
  const raw = asBuffers(source)[Symbol.asyncIterator]();
  const rawHead = await peek(raw, 2);
  const gzip = rawHead.head.length >= 2 && rawHead.head[0] === 0x1f && rawHead.head[1] === 0x8b;
  let bytes: AsyncIterator<Buffer> = replay(rawHead.head, raw, rawHead.done)[Symbol.asyncIterator]();
  if (gzip) {
    const gunzip = createGunzip();
    // Errors of either side surface through the gunzip iterator; the callback has nothing left to do.
    pipeline(Readable.from({ [Symbol.asyncIterator]: () => bytes }), gunzip, () => {});
    bytes = (gunzip as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }
  const probe = new FormatProbe();
  const head = await peek(bytes, DETECT_BYTES, (chunk) => probe.feed(chunk));
  return { format: detectTrafficFormat(head.head), gzip, chunks: replay(head.head, bytes, head.done) };
}

async function* asBuffers(source: TrafficSource): AsyncGenerator<Buffer> {
  for await (const chunk of source as AsyncIterable<Buffer | string | Uint8Array>) {
    if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  }
}

async function peek(
  it: AsyncIterator<Buffer>,
  want: number,
  /** Told each chunk; true once the bytes so far are enough (stops the peek early). */
  enough: (chunk: Buffer) => boolean = () => false,
): Promise<{ head: Buffer; done: boolean }> {
  const parts: Buffer[] = [];
  let length = 0;
  while (length < want) {
    const next = await it.next();
    if (next.done === true) return { head: Buffer.concat(parts), done: true };
    parts.push(next.value);
    length += next.value.length;
    if (enough(next.value)) break;
  }
  return { head: Buffer.concat(parts), done: false };
}

async function* replay(head: Buffer, rest: AsyncIterator<Buffer>, done: boolean): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  if (done) return;
  for (;;) {
    const next = await rest.next();
    if (next.done === true) return;
    yield next.value;
  }
}
