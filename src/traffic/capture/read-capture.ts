import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IotIdsError } from '../../errors.js';
import type { SkipTally } from '../conn-record.js';
import { detectCaptureFormat, isGzip, type CaptureFormat } from './detect-format.js';
import { PcapParser } from './pcap-parser.js';
import { PcapngParser } from './pcapng-parser.js';
import type { CaptureParser, FrameSink } from './raw-frame.js';

export interface ReadCaptureOptions {
  /** Name used in error messages (a path, or `stdin`). */
  file?: string;
  /** Force a format instead of detecting it from the magic bytes. */
  format?: CaptureFormat;
}

export interface CaptureSummary {
  format: CaptureFormat;
  gzip: boolean;
  /** Packet records read, including those skipped by the reader. */
  frames: number;
  /** pcapng blocks that are not packets or interfaces (statistics, name resolution, custom…). */
  blocksSkipped: number;
  /** Uncompressed bytes read. */
  bytes: number;
}

/**
 * Streams a capture (pcap or pcapng, gzip-compressed or not, from a file, stdin or any Readable) into the
 * sink frame by frame. Skipped frames go to `skips` with their position; a corrupt file structure rejects
 * with an IotIdsError naming file and byte offset.
 */
export async function readCapture(
  readable: Readable | AsyncIterable<Uint8Array | string>,
  sink: FrameSink,
  skips: SkipTally,
  options: ReadCaptureOptions = {},
): Promise<CaptureSummary> {
  const file = options.file ?? 'capture';
  const source = (readable as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  let head: { chunks: Uint8Array[]; bytes: Uint8Array };
  try {
    head = await firstBytes(source, 4);
  } catch (error) {
    throw new IotIdsError(`cannot read capture: ${(error as Error).message}`, {
      location: { file },
      cause: error,
    });
  }
  let chunks: AsyncIterator<Uint8Array> = replay(head.chunks, source);
  const gzip = isGzip(head.bytes);
  if (gzip) {
    const gunzip = createGunzip();
    feed(chunks, gunzip);
    chunks = (gunzip as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }
  let inner = head;
  try {
    inner = gzip ? await firstBytes(chunks, 4) : head;
  } catch (error) {
    throw new IotIdsError(`cannot read capture: ${(error as Error).message}`, {
      location: { file },
      cause: error,
    });
  }
  if (gzip) chunks = replay(inner.chunks, chunks);
  const format = options.format ?? detectCaptureFormat(inner.bytes);
  if (!format) {
    const hex = Buffer.from(inner.bytes.subarray(0, 4)).toString('hex');
    throw new IotIdsError(
      inner.bytes.length === 0
        ? 'empty capture'
        : `not a pcap or pcapng capture (first bytes ${hex}); use --format to force one`,
      { location: { file } },
    );
  }
  const parser: CaptureParser & { blocksSkipped?: number } =
    format === 'pcap' ? new PcapParser(sink, skips, file) : new PcapngParser(sink, skips, file);
  let bytes = 0;
  try {
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      bytes += next.value.length;
      parser.push(next.value);
    }
  } catch (error) {
    // Stop the producers too: no half-read file handle or gunzip left behind.
    (readable as Partial<Readable>).destroy?.();
    void chunks.return?.();
    if (error instanceof IotIdsError) throw error;
    throw new IotIdsError(`cannot read capture: ${(error as Error).message}`, {
      location: { file },
      cause: error,
    });
  }
  parser.end();
  return { format, gzip, frames: parser.framesRead, blocksSkipped: parser.blocksSkipped ?? 0, bytes };
}

function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
}

/** Reads chunks until at least `n` bytes are seen (or the input ends); returns them for replay. */
async function firstBytes(
  source: AsyncIterator<Uint8Array | string>,
  n: number,
): Promise<{ chunks: Uint8Array[]; bytes: Uint8Array }> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < n) {
    const next = await source.next();
    if (next.done) break;
    const bytes = toBytes(next.value);
    chunks.push(bytes);
    total += bytes.length;
  }
  return { chunks, bytes: Buffer.concat(chunks) };
}

async function* replayGen(
  head: Uint8Array[],
  rest: AsyncIterator<Uint8Array | string>,
): AsyncGenerator<Uint8Array> {
  yield* head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield toBytes(next.value);
  }
}

function replay(head: Uint8Array[], rest: AsyncIterator<Uint8Array | string>): AsyncIterator<Uint8Array> {
  return replayGen(head, rest);
}

/** Writes the chunks into the gunzip stream with back-pressure; input errors are passed on to it. */
function feed(chunks: AsyncIterator<Uint8Array>, gunzip: ReturnType<typeof createGunzip>): void {
  void (async () => {
    try {
      for (;;) {
        const next = await chunks.next();
        if (next.done) break;
        if (!gunzip.write(next.value)) {
          await new Promise<void>((resolve) => {
            gunzip.once('drain', resolve);
            gunzip.once('close', resolve);
          });
          if (gunzip.destroyed) return;
        }
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
}
