import { IotIdsError } from '../errors.js';
import { PcapParser } from './capture/pcap-parser.js';
import { PcapngParser } from './capture/pcapng-parser.js';
import type { CaptureParser } from './capture/raw-frame.js';
import { SkipTally, type ConnRecord } from './conn-record.js';
import { decodeFrame } from './decode/decode-frame.js';
import { DecodedPacket } from './decode/decoded-packet.js';
import { openFlowLog } from './logs/read-flow-log.js';
import { openTrafficInput, type TrafficSource } from './logs/open-traffic-input.js';
import { isFlowLogFormat, type FlowLogFormat, type TrafficFormat } from './logs/traffic-format.js';
import { ConnectionMeter, type ConnectionMeterOptions } from './meter/connection-meter.js';

export interface ConnectionSourceOptions {
  /** Name used in messages (a path, or `stdin`). Default `input`. */
  file?: string;
  /** Force a format instead of detecting it from the first bytes. */
  format?: TrafficFormat;
  /** Connection-meter settings for packet captures (timeouts, table size, interim interval). */
  meter?: Omit<ConnectionMeterOptions, 'onRecord'>;
  /** Captures only: also called for every decoded packet before it is metered (e.g. cross-checks). */
  onPacket?: (packet: DecodedPacket) => void;
  /** The clock of `lastBatchEmittedAt` (default `performance.now`). */
  clock?: () => number;
}

/** What was read, so far or in the end: the same shape for captures and flow logs. */
export interface TrafficSummary {
  format: TrafficFormat;
  gzip: boolean;
  /** `packets` for captures, `lines` for flow logs. */
  unit: 'packets' | 'lines';
  /** Packets (frames) or lines read. */
  read: number;
  /** Connection records produced. */
  records: number;
  /** Packets or lines that gave no record, by reason. */
  skipped: Record<string, number>;
  /** The first positions of each skip reason (frame or line numbers). */
  skipExamples: Record<string, string[]>;
  /** Captures only: connections ended early because the open-connection table was full. */
  evictions?: number;
  /** Captures only: packets whose timestamp went backwards. */
  outOfOrder?: number;
  /** Captures only: connections open in the meter now (live health). */
  openConnections?: number;
}

export interface ConnectionSource {
  readonly format: TrafficFormat;
  /** Records in batches, one per input chunk; iterate once. */
  batches(): AsyncGenerator<ConnRecord[]>;
  /** Counts so far (final once `batches()` is exhausted). */
  summary(): TrafficSummary;
  /**
   * `performance.now()` when the first record of the batch `batches()` yielded last came out: of the
   * connection meter for captures (a batch collects a whole input chunk's records), of the log reader for
   * flow logs. Every record of that batch has waited at least since then (watch's scoring lag starts here).
   */
  lastBatchEmittedAt(): number;
  /**
   * True once the input is exhausted: what `batches()` still yields is the meter's flush of the connections
   * left open (captures), so a consumer can wait for room rather than drop — no packet is waiting.
   */
  inputEnded(): boolean;
}

/**
 * The traffic entrance: any capture (pcap, pcapng) or flow log (Zeek TSV/JSON, eve.json, Argus, nfdump CSV),
 * plain or gzip, from a file stream or stdin, becomes a stream of connection records. Captures go through
 * the connection meter; every packet is either in a record or counted as skipped with its reason.
 */
export async function openConnectionSource(
  source: TrafficSource,
  options: ConnectionSourceOptions = {},
): Promise<ConnectionSource> {
  const file = options.file ?? 'input';
  const clock = options.clock ?? (() => performance.now());
  const opened = await openTrafficInput(source);
  const format = options.format ?? opened.format;
  if (format === undefined) {
    throw new IotIdsError(
      'cannot tell the traffic format from the first bytes (expected pcap, pcapng, a Zeek conn.log, Zeek JSON, ' +
        'eve.json, Argus or nfdump CSV); pass --format to force one',
      { kind: 'usage', location: { file } },
    );
  }
  return isFlowLogFormat(format)
    ? flowLogSource(format, opened.gzip, opened.chunks, file, clock)
    : captureSource(format, opened.gzip, opened.chunks, file, clock, options.meter, options.onPacket);
}

function captureSource(
  format: 'pcap' | 'pcapng',
  gzip: boolean,
  chunks: AsyncIterable<Buffer>,
  file: string,
  clock: () => number,
  meterOptions: ConnectionSourceOptions['meter'],
  onPacket: ConnectionSourceOptions['onPacket'],
): ConnectionSource {
  const skips = new SkipTally();
  let batch: ConnRecord[] = [];
  let batchStartedAt = 0;
  let lastEmittedAt = 0;
  const meter = new ConnectionMeter({
    ...meterOptions,
    onRecord: (r) => {
      if (batch.length === 0) batchStartedAt = clock();
      batch.push(r);
    },
  });
  const view = new DecodedPacket();
  const sink = (frame: Parameters<typeof decodeFrame>[0]): void => {
    if (!decodeFrame(frame, view, skips)) return;
    onPacket?.(view);
    meter.add(view);
  };
  const parser: CaptureParser =
    format === 'pcap' ? new PcapParser(sink, skips, file) : new PcapngParser(sink, skips, file);
  let records = 0;
  const summary = (): TrafficSummary => {
    const all = mergeTallies(skips, meter.stats.skips);
    return {
      format,
      gzip,
      unit: 'packets',
      read: parser.framesRead,
      records,
      skipped: all.counts(),
      skipExamples: all.examples(),
      evictions: meter.stats.evictions,
      outOfOrder: meter.stats.outOfOrder,
      openConnections: meter.stats.open,
    };
  };
  const take = (): ConnRecord[] => {
    const out = batch;
    batch = [];
    lastEmittedAt = batchStartedAt;
    records += out.length;
    return out;
  };
  let ended = false;
  async function* batches(): AsyncGenerator<ConnRecord[]> {
    try {
      for await (const chunk of chunks) {
        parser.push(chunk);
        if (batch.length > 0) yield take();
      }
      ended = true;
    } catch (error) {
      if (error instanceof IotIdsError) throw error;
      throw new IotIdsError(`cannot read the capture: ${(error as Error).message}`, {
        location: { file },
        cause: error,
      });
    }
    parser.end();
    meter.flush();
    if (batch.length > 0) yield take();
  }
  return { format, batches, summary, lastBatchEmittedAt: () => lastEmittedAt, inputEnded: () => ended };
}

async function flowLogSource(
  format: FlowLogFormat,
  gzip: boolean,
  chunks: AsyncIterable<Buffer>,
  file: string,
  clock: () => number,
): Promise<ConnectionSource> {
  const log = await openFlowLog(chunks, { file, format });
  const summary = (): TrafficSummary => ({
    format,
    gzip,
    unit: 'lines',
    read: log.stats.lines,
    records: log.stats.records,
    skipped: log.stats.skipped.counts(),
    skipExamples: log.stats.skipped.examples(),
  });
  let lastEmittedAt = 0;
  let ended = false;
  async function* batches(): AsyncGenerator<ConnRecord[]> {
    for await (const batch of log.batches()) {
      lastEmittedAt = clock();
      yield batch;
    }
    ended = true;
  }
  return { format, batches, summary, lastBatchEmittedAt: () => lastEmittedAt, inputEnded: () => ended };
}

function mergeTallies(...tallies: SkipTally[]): SkipTally {
  const merged = new SkipTally();
  for (const t of tallies) merged.addAll(t);
  return merged;
}

const TRAFFIC_FORMATS: readonly string[] = [
  'pcap',
  'pcapng',
  'zeek-tsv',
  'zeek-json',
  'eve',
  'argus',
  'nfdump',
];

export function isTrafficFormat(value: string): value is TrafficFormat {
  return TRAFFIC_FORMATS.includes(value);
}
