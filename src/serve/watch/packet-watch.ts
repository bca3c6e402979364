import { liveEventsOf, publishWhenDurable } from '../../alerts/alert-aggregator.js';
import type { AlertHub } from '../../alerts/alert-hub.js';
import type { AlertGroupResult, AlertGroupWrite, AlertStore } from '../../alerts/alert-store.js';
import { IotIdsError } from '../../errors.js';
import { ANOMALY_CLASS } from '../../models/zero-day/combine.js';
import type { PacketAe } from '../../models/packet-ae/packet-ae.js';
import type { LivePcapSource, CaptureRun } from '../../traffic/live/live-source.js';
import type { PacketView } from '../../traffic/packet-view.js';
import type { PacketStats } from '../../traffic/packet-stats/packet-stats.js';
import { SkipTally } from '../../traffic/conn-record.js';
import { readPackets } from '../../traffic/read-packets.js';
import { untilStopped } from './capture-chunks.js';
import { round6 } from '../../util/round6.js';
import { MinAlertingGate } from './min-alerting-gate.js';

/** A loaded packet-ae model: its frozen detector, a fresh feature extractor, and its id for stored alerts. */
export interface PacketModel {
  detector: PacketAe;
  features: PacketStats;
  /** `packet-ae@<createdAt>`, as flow models are named in stored alerts. */
  id: string;
}

export interface PacketWatchOptions {
  /** Alert window of the store, seconds: alerting packets of one source within a window fold into one alert. */
  windowSeconds?: number;
  /**
   * Seconds of capture time from the first packet during which packets are scored but raise no alert:
   * the damped statistics start empty, and until the slowest window has filled every stream looks new
   * (on the fixture network of the tests, every packet alerts for the first 40 s and most for 200 s).
   * Default three half-lives of the slowest window, 3 / (smallest λ): 300 s for the default λ.
   */
  warmupSeconds?: number;
  /**
   * The score threshold, instead of the model's own (`watch --false-alarm-rate`: the same log-normal fit at
   * another tail, e.g. one set on benign validation traffic for a target of false alerts per hour).
   */
  threshold?: number;
  /** A source alerts only once this many of its packets are over the threshold in one window. Default 1. */
  minAlerting?: number;
  /** Pending alert groups are written at least this often while packets arrive (ms). Default 250. */
  flushMs?: number;
  log?: (message: string) => void;
  /** Every scored packet (the lab evaluation reads the verdicts). */
  onScore?: (packet: PacketView, score: number, alert: boolean) => void;
  /** Every batch of alert groups once it is durable in the store (ms since the epoch when it became so). */
  onStored?: (groups: readonly AlertGroupWrite[], durableAt: number) => void;
  /** Live clients (`watch --port`): each batch's new alerts and updates are published once durable. */
  hub?: AlertHub;
  /** Every batch of alert groups as merged into the store (`results[i]` is where `groups[i]` landed). */
  onWritten?: (groups: readonly AlertGroupWrite[], results: readonly AlertGroupResult[]) => void;
}

export interface PacketWatchTotals {
  packets: number;
  /** Packets scored during the warm-up (no alerts). */
  warmupPackets: number;
  /** Frames the reader could not decode (non-IP, truncated, a stream cut mid-packet), counted, not scored. */
  skipped: number;
  /** Packets that scored above the threshold after the warm-up (those a `minAlerting` gate held included). */
  alertingPackets: number;
  /** Alert groups written (a group merges into an open alert of its source and window). */
  alertGroups: number;
  /** Streams that ended in an error (a bad header, unreadable bytes), each reported. */
  streamErrors: number;
}

export interface RunningPacketWatch {
  readonly done: Promise<PacketWatchTotals>;
  /** Ends the capture, writes the pending alerts; resolves like `done`. Idempotent. */
  stop(): Promise<PacketWatchTotals>;
  totals(): PacketWatchTotals;
  /** What the health answer adds to the totals, read live. */
  progress(): PacketWatchProgress;
}

export interface PacketWatchProgress {
  /** Frames not decoded so far, the stream being read included (`totals().skipped` counts ended streams). */
  notDecoded: number;
  /** Capture seconds of warm-up left (0 once over), or null before the first packet. */
  warmupRemainingSeconds: number | null;
}

interface PendingGroup {
  count: number;
  firstTime: number;
  lastTime: number;
  firstScore: number;
  maxScore: number;
  record: Record<string, unknown>;
}

/**
 * `iot-ids watch` with a packet-ae model: every captured packet → packet-stats features → the frozen
 * detector's score; packets above the threshold are folded per source and written, at least every
 * `flushMs`, into the alert store as class `anomaly`, where the store merges them per source and alert
 * window exactly as it merges the flow detectors' alerts (windows on the scoring clock), and, given a hub
 * (`watch --port`, packet-serve.ts), published to live clients once durable. Nothing is
 * queued: scoring is synchronous in the reader, so a slow scorer slows the reading and drops happen in the
 * kernel, where tcpdump's statistics count them.
 */
export function startPacketWatch(
  source: LivePcapSource,
  model: PacketModel,
  store: AlertStore,
  options: PacketWatchOptions = {},
): RunningPacketWatch {
  const log = options.log ?? (() => {});
  const windowMs = Math.round((options.windowSeconds ?? 60) * 1000);
  const flushMs = options.flushMs ?? 250;
  const { detector, features } = model;
  const threshold = options.threshold ?? detector.threshold;
  if (threshold === null) throw new IotIdsError('packet-ae: the model has no threshold (not calibrated)');
  if (!(threshold > 0) || !Number.isFinite(threshold)) {
    throw new IotIdsError(`packet watch: the threshold must be a positive number, got ${threshold}`, {
      kind: 'usage',
    });
  }
  const gate = new MinAlertingGate(options.minAlerting ?? 1, windowMs);
  const x = new Float64Array(features.nFeatures);
  const warmup = options.warmupSeconds ?? 3 / Math.min(...features.options.lambdas);
  if (!(warmup >= 0) || !Number.isFinite(warmup)) {
    throw new IotIdsError(`packet watch: warm-up must be a number of seconds ≥ 0, got ${warmup}`, {
      kind: 'usage',
    });
  }
  let warmUntil = Number.NaN;
  let lastTs = Number.NaN;
  let runSkips: SkipTally | null = null;
  const totals: PacketWatchTotals = {
    packets: 0,
    warmupPackets: 0,
    skipped: 0,
    alertingPackets: 0,
    alertGroups: 0,
    streamErrors: 0,
  };
  let pending = new Map<string, PendingGroup>();
  let lastFlush = Date.now();
  let durable: Promise<void> = Promise.resolve();
  let stopping = false;
  let wakeStop: (() => void) | null = null;
  const stopRequested = new Promise<void>((resolve) => (wakeStop = resolve));

  const onPacket = (p: PacketView): void => {
    totals.packets++;
    const score = detector.scoreOne(features.extract(p, x));
    if (Number.isNaN(warmUntil)) warmUntil = p.ts + warmup;
    lastTs = p.ts;
    const warm = p.ts >= warmUntil;
    if (!warm) totals.warmupPackets++;
    const alert = warm && score > threshold;
    options.onScore?.(p, score, alert);
    if (!alert) return;
    totals.alertingPackets++;
    const now = Date.now();
    // Non-IP frames have no address: their source MAC stands in (as packet-stats keys them).
    const key = p.srcIp || `mac:${p.srcMac.toString(16).padStart(12, '0')}`;
    const admitted = gate.admit(key, now);
    if (admitted === 0) return;
    const group = pending.get(key);
    if (group) {
      group.count += admitted;
      group.lastTime = now;
      if (score > group.maxScore) group.maxScore = score;
    } else {
      pending.set(key, {
        count: admitted,
        firstTime: now,
        lastTime: now,
        firstScore: score,
        maxScore: score,
        record: packetRecord(p, score, threshold),
      });
    }
  };

  const flush = (): void => {
    lastFlush = Date.now();
    if (pending.size === 0) return;
    const groups = pending;
    pending = new Map();
    const now = Date.now();
    const windowStart = now - (now % windowMs);
    const writes = [...groups].map(([source, g]): AlertGroupWrite => ({
      class: ANOMALY_CLASS,
      sourceKey: source,
      windowStart,
      firstTime: g.firstTime,
      lastTime: g.lastTime,
      count: g.count,
      probability: round6(g.firstScore),
      maxProbability: round6(g.maxScore),
      explanation: [],
      record: g.record,
      model: model.id,
    }));
    try {
      const results = store.writeGroups(writes);
      totals.alertGroups += writes.length;
      options.onWritten?.(writes, results);
      const synced = store.durable();
      if (options.hub) publishWhenDurable(options.hub, synced, liveEventsOf(store, writes, results));
      // Promise.all handles `synced` at once (a failed sync is logged below, never unhandled).
      durable = Promise.all([durable, synced])
        .then(() => options.onStored?.(writes, Date.now()))
        .catch((error: unknown) => log(`alert store sync failed: ${(error as Error).message}`));
    } catch (error) {
      // Counted in the log, never silent; the packets were scored and counted all the same.
      log(`storing ${writes.length} alert group(s) failed: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(flush, flushMs);
  timer.unref();

  let runBytes = 0;
  const readRun = async (run: CaptureRun): Promise<void> => {
    runBytes = 0;
    const chunks = (async function* () {
      for await (const chunk of untilStopped(
        run,
        stopRequested,
        () => stopping,
        (n) => (runBytes += n),
      )) {
        yield chunk;
        if (Date.now() - lastFlush >= flushMs) flush();
      }
    })();
    runSkips = new SkipTally();
    let summary;
    try {
      summary = await readPackets(chunks, {
        file: `capture stream ${run.generation}`,
        onPacket,
        skips: runSkips,
      });
    } finally {
      runSkips = null;
    }
    const skipped = summary.skips.counts();
    totals.skipped += summary.frames - summary.decoded;
    if (Object.keys(skipped).length > 0) {
      const list = Object.entries(skipped)
        .map(([reason, n]) => `${reason} ×${n}`)
        .join(', ');
      log(`capture stream ${run.generation}: packets not scored: ${list}`);
    }
  };

  const loop = async (): Promise<PacketWatchTotals> => {
    try {
      for await (const run of source.runs()) {
        try {
          await readRun(run);
        } catch (error) {
          // As the flow watch: a child that died before writing left an empty stream (its exit is reported
          // by the source); anything else is reported here and the next run is read afresh.
          if (runBytes > 0) {
            totals.streamErrors++;
            log((error as Error).message);
          }
        }
        if (stopping) break;
      }
    } finally {
      clearInterval(timer);
      flush();
      await durable;
    }
    return { ...totals };
  };
  const done = loop();

  return {
    done,
    totals: () => ({ ...totals }),
    progress: () => ({
      notDecoded: totals.skipped + (runSkips?.total ?? 0),
      warmupRemainingSeconds: Number.isNaN(warmUntil) ? null : Math.max(0, warmUntil - lastTs),
    }),
    stop: async () => {
      stopping = true;
      wakeStop?.();
      await source.stop();
      return done;
    },
  };
}

/** The first alerting packet of a group, as stored with a new alert. */
function packetRecord(p: PacketView, score: number, threshold: number): Record<string, unknown> {
  return {
    ts: p.ts,
    frame: p.index,
    src: p.srcIp,
    dst: p.dstIp,
    proto: p.protocol,
    src_port: p.srcPort,
    dst_port: p.dstPort,
    length: p.wireLength,
    score,
    threshold,
  };
}
