import type { Readable } from 'node:stream';
import type { CaptureFormat } from './capture/detect-format.js';
import type { ConnRecord } from './conn-record.js';
import { openConnectionSource } from './connection-source.js';
import type { TrafficSource } from './logs/open-traffic-input.js';
import { IotIdsError } from '../errors.js';
import type { DecodedPacket } from './decode/decoded-packet.js';
import type { ConnectionMeterOptions } from './meter/connection-meter.js';

export interface MeterCaptureOptions extends Omit<ConnectionMeterOptions, 'onRecord'> {
  onRecord: (record: ConnRecord) => void;
  /** Also called for every decoded packet before metering (e.g. packet-level features). */
  onPacket?: (packet: DecodedPacket) => void;
  file?: string;
  format?: CaptureFormat;
}

export interface MeterCaptureSummary {
  format: CaptureFormat;
  gzip: boolean;
  /** Packet records in the capture (every one is either metered or skipped). */
  packetsRead: number;
  /** Packets that went into connections. */
  packetsMetered: number;
  /** Packets skipped by the reader, the decoder or the meter: `{ reason: count }`, most frequent first. */
  skipped: Record<string, number>;
  /** The first few positions of each skip reason. */
  skippedExamples: Record<string, string[]>;
  skippedTotal: number;
  connections: number;
  evictions: number;
  outOfOrder: number;
}

/**
 * Capture → connection records, with the accounting the CLI prints: the whole packet path in one call. It runs
 * through the same connection source as `flows`, `detect` and `watch`, so what the cross-checks verify is the
 * path the product uses.
 */
export async function meterCapture(
  readable: Readable | AsyncIterable<Uint8Array | string>,
  options: MeterCaptureOptions,
): Promise<MeterCaptureSummary> {
  const { onRecord, onPacket, file, format, ...meter } = options;
  const source = await openConnectionSource(readable as TrafficSource, {
    file,
    format,
    meter,
    onPacket,
  });
  if (source.format !== 'pcap' && source.format !== 'pcapng') {
    throw new IotIdsError(`is a ${source.format} flow log, not a packet capture`, {
      kind: 'usage',
      location: { file: file ?? 'capture' },
    });
  }
  for await (const batch of source.batches()) for (const r of batch) onRecord(r);
  const s = source.summary();
  const skippedTotal = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  return {
    format: source.format,
    gzip: s.gzip,
    packetsRead: s.read,
    // Every packet read is either metered or counted as skipped.
    packetsMetered: s.read - skippedTotal,
    skipped: s.skipped,
    skippedExamples: s.skipExamples,
    skippedTotal,
    connections: s.records,
    evictions: s.evictions ?? 0,
    outOfOrder: s.outOfOrder ?? 0,
  };
}
