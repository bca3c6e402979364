import type { Readable } from 'node:stream';
import type { CaptureFormat } from './capture/detect-format.js';
import { SkipTally, type ConnRecord } from './conn-record.js';
import type { DecodedPacket } from './decode/decoded-packet.js';
import { ConnectionMeter, type ConnectionMeterOptions } from './meter/connection-meter.js';
import { readPackets } from './read-packets.js';

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

/** Capture → connection records, with the accounting the CLI prints: the whole packet path in one call. */
export async function meterCapture(
  readable: Readable | AsyncIterable<Uint8Array | string>,
  options: MeterCaptureOptions,
): Promise<MeterCaptureSummary> {
  const meter = new ConnectionMeter(options);
  const onPacket = options.onPacket;
  const skips = new SkipTally();
  const read = await readPackets(readable, {
    file: options.file,
    format: options.format,
    skips,
    onPacket: onPacket
      ? (p) => {
          onPacket(p);
          meter.add(p);
        }
      : (p) => meter.add(p),
  });
  meter.flush();
  const stats = meter.stats;
  const skipped: Record<string, number> = { ...read.skips.counts() };
  for (const [reason, n] of Object.entries(stats.skips.counts()))
    skipped[reason] = (skipped[reason] ?? 0) + n;
  const sorted = Object.fromEntries(Object.entries(skipped).sort((x, y) => y[1] - x[1]));
  return {
    format: read.format,
    gzip: read.gzip,
    packetsRead: read.frames,
    packetsMetered: stats.packets,
    skipped: sorted,
    skippedExamples: { ...read.skips.examples(), ...stats.skips.examples() },
    skippedTotal: read.skips.total + stats.skips.total,
    connections: stats.connections,
    evictions: stats.evictions,
    outOfOrder: stats.outOfOrder,
  };
}
