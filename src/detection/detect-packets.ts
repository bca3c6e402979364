import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IotIdsError } from '../errors.js';
import { PacketAlertAggregator, type PacketAlert } from '../models/packet-ae/alert-aggregator.js';
import { loadPacketAeModel } from '../models/packet-ae/model-dir.js';
import { PacketStats } from '../traffic/packet-stats/packet-stats.js';
import { readPackets } from '../traffic/read-packets.js';
import { openFileOutput, streamOutput } from './text-output.js';

export interface DetectPacketsOptions {
  /** A packet-ae model directory (`iot-ids train --model packet-ae … -o RUN` writes RUN/model). */
  modelDir: string;
  /** A pcap or pcapng capture; '-' reads standard input. */
  input: string;
  /** NDJSON file (written atomically). Default: stdout. */
  output?: string;
  /** Width of the per-source alert windows, seconds. Default 60. */
  windowSeconds?: number;
  stdout?: NodeJS.WritableStream;
}

export interface DetectPacketsSummary {
  kind: 'packet-ae';
  packets: number;
  frames: number;
  /** Frames not decoded (non-IP, truncated, …), by reason. */
  skipped: number;
  skippedByReason: Record<string, number>;
  threshold: number;
  /** Packets scoring above the threshold. */
  alertPackets: number;
  /** Alerting packets folded per source and time window. */
  alerts: PacketAlert[];
  windowSeconds: number;
  output: string;
  seconds: number;
}

/** Whether `dir` holds a packet-ae model (its manifest says so); false for anything else, errors included. */
export async function isPacketAeModelDir(dir: string): Promise<boolean> {
  try {
    const path = join(dir, 'manifest.json');
    // Only a small regular file is read: a FIFO or device would block or never end (the loaders refuse those).
    const info = await lstat(path);
    if (!info.isFile() || info.size > 1_000_000) return false;
    const manifest = JSON.parse(await readFile(path, 'utf8')) as { kind?: unknown };
    return manifest.kind === 'packet-ae';
  } catch {
    return false;
  }
}

const round = (v: number): number => Number(v.toPrecision(7));

/**
 * Scores every packet of a capture with a saved packet-ae detector (frozen: nothing is learned) and writes one
 * NDJSON line per packet `{"frame","ts","src","dst","score","alert"}`; alerts are folded per source and window.
 */
export async function detectPackets(options: DetectPacketsOptions): Promise<DetectPacketsSummary> {
  const started = performance.now();
  const { detector, manifest } = await loadPacketAeModel(options.modelDir);
  if (manifest.features.extractor !== 'packet-stats') {
    throw new IotIdsError(`unknown feature extractor "${manifest.features.extractor}"`, {
      location: { file: join(options.modelDir, 'manifest.json'), field: 'features.extractor' },
    });
  }
  detector.freeze();
  const threshold = detector.threshold as number;
  const stats = new PacketStats(manifest.features.options);
  const x = new Float64Array(stats.nFeatures);
  const windowSeconds = options.windowSeconds ?? 60;
  const aggregator = new PacketAlertAggregator(windowSeconds);
  const alerts: PacketAlert[] = [];
  const output = options.output
    ? await openFileOutput(options.output)
    : streamOutput(options.stdout ?? process.stdout);
  let packets = 0;
  let alertPackets = 0;
  // The reader calls back synchronously; lines are buffered and written between chunks with backpressure.
  let pending: string[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    await output.write(text);
  };
  try {
    const source = options.input === '-' ? process.stdin : createReadStream(options.input);
    const chunks = (async function* () {
      for await (const chunk of source) {
        yield chunk as Uint8Array;
        await flush();
      }
    })();
    const capture = await readPackets(chunks, {
      file: options.input === '-' ? 'stdin' : options.input,
      onPacket: (p) => {
        packets++;
        const score = detector.scoreOne(stats.extract(p, x));
        const alert = detector.isAlert(score);
        if (alert) {
          alertPackets++;
          alerts.push(...aggregator.add(p.srcIp, p.ts, p.index, score));
        } else alerts.push(...aggregator.advance(p.ts));
        pending.push(
          `${JSON.stringify({ frame: p.index, ts: p.ts, src: p.srcIp, dst: p.dstIp, score: round(score), alert })}\n`,
        );
      },
    });
    await flush();
    alerts.push(...aggregator.drain());
    await output.commit();
    return {
      kind: 'packet-ae',
      packets,
      frames: capture.frames,
      skipped: capture.frames - capture.decoded,
      skippedByReason: capture.skips.counts(),
      threshold,
      alertPackets,
      alerts,
      windowSeconds,
      output: options.output ?? 'stdout',
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    await output.abort();
    throw error;
  }
}

/** Human summary for stderr. */
export function formatPacketSummary(s: DetectPacketsSummary): string {
  const lines = [
    `${s.packets.toLocaleString('en-US')} packets scored of ${s.frames.toLocaleString('en-US')} frames (${s.skipped} skipped) in ${s.seconds.toFixed(2)} s → ${s.output}`,
    `threshold ${s.threshold.toPrecision(4)}; alerting packets: ${s.alertPackets.toLocaleString('en-US')}; alerts (per source and ${s.windowSeconds} s window): ${s.alerts.length}`,
  ];
  for (const a of s.alerts.slice(0, 20)) {
    lines.push(
      `  ${a.source}  window ${new Date(a.windowStart * 1000).toISOString()}  ${a.count} packets (frames ${a.firstIndex}–${a.lastIndex}), max score ${a.maxScore.toPrecision(4)}`,
    );
  }
  if (s.alerts.length > 20) lines.push(`  … ${s.alerts.length - 20} more`);
  return lines.join('\n');
}
