import { readFile } from 'node:fs/promises';
import type { ConnRecord } from '../../src/traffic/conn-record.js';
import { openConnectionSource } from '../../src/traffic/connection-source.js';

/**
 * Meters a capture into connection records with interim records, feeding the pcap to the meter one packet
 * per chunk so that every batch can be stamped with the capture time of the packet that produced it.
 */
export async function meterWithTimes(
  path: string,
  interim: number,
): Promise<{ records: { record: ConnRecord; at: number }[] }> {
  const bytes = await readFile(path);
  const little = bytes.readUInt32LE(0) === 0xa1b2c3d4 || bytes.readUInt32LE(0) === 0xa1b23c4d;
  const nano = bytes.readUInt32LE(0) === 0xa1b23c4d || bytes.readUInt32BE(0) === 0xa1b23c4d;
  const big = bytes.readUInt32BE(0) === 0xa1b2c3d4 || bytes.readUInt32BE(0) === 0xa1b23c4d;
  if (!little && !big) throw new Error(`${path}: not a classic pcap file (pcapng is not split here)`);
  const u32 = (o: number): number => (little ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  let now = 0;
  // A generator, not a buffered stream: the meter pulls one packet at a time, so `now` is the
  // packet it has just read (or the one after) when a batch comes out.
  const chunks = (function* () {
    yield bytes.subarray(0, 24);
    for (let o = 24; o + 16 <= bytes.length;) {
      const length = 16 + u32(o + 8);
      now = u32(o) + u32(o + 4) / (nano ? 1e9 : 1e6);
      yield bytes.subarray(o, o + length);
      o += length;
    }
  })();
  const source = await openConnectionSource(chunks, {
    file: path,
    meter: { interimInterval: interim },
  });
  const records: { record: ConnRecord; at: number }[] = [];
  for await (const batch of source.batches()) for (const record of batch) records.push({ record, at: now });
  return { records };
}
