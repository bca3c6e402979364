import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readFlowLog, type FlowLogOptions } from './read-flow-log.js';

/** Feeds `text` to the reader in chunks of `chunkSize` bytes (optionally gzipped first). */
export async function readText(
  text: string,
  options: FlowLogOptions & { chunkSize?: number; gzip?: boolean } = {},
) {
  const bytes = options.gzip === true ? gzipSync(Buffer.from(text)) : Buffer.from(text);
  const size = options.chunkSize ?? 65536;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return readFlowLog(Readable.from(chunks), options);
}
