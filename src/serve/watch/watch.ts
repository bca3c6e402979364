import { Histogram, type Registry } from 'prom-client';
import { IotIdsError } from '../../errors.js';
import type { ConnRecord } from '../../traffic/conn-record.js';
import { openConnectionSource, type TrafficSummary } from '../../traffic/connection-source.js';
import type { CaptureRun, LivePcapSource } from '../../traffic/live/live-source.js';
import type { DetectOutcome } from '../detection-service.js';
import type { RunningServer } from '../server.js';
import { registerCaptureGauges, scrapeGauge } from './capture-gauges.js';
import { untilStopped } from './capture-chunks.js';
import { ConnectionTableBuilder } from './connection-table.js';
import type { ZeroDayAlerts } from './zero-day-alerts.js';

export interface WatchOptions {
  /** Seconds between interim records of open connections (default 10; 0: none). */
  interimSeconds?: number;
  /** Records waiting to be scored at most; a batch beyond it is dropped and counted. Default 50000. */
  maxQueuedRecords?: number;
  /** Meter timeouts, as `flows` takes them. */
  tcpTimeout?: number;
  udpTimeout?: number;
  maxConnections?: number;
  log?: (message: string) => void;
  /** The zero-day anomaly detector (`--zero-day`): records the classifier calls normal are checked too. */
  zeroDay?: ZeroDayAlerts;
  /** Called with every scored batch once its alerts are durable (the lab evaluation reads the verdicts). */
  onScored?: (records: readonly ConnRecord[], outcome: DetectOutcome) => void;
}

export interface WatchTotals {
  packets: number;
  records: number;
  recordsScored: number;
  recordsDropped: number;
  /** Records that raised an alert (folded into stored alerts by class, source and window). */
  alertingRecords: number;
  /** Of those, records the classifier called normal that the zero-day detector flagged (`anomaly`). */
  anomalyRecords: number;
  /** Streams that ended in an error (a pcap cut mid-packet, a bad header), each reported. */
  streamErrors: number;
}

export interface RunningWatch {
  /** Resolves when the source has ended (or `stop` was called) and every record is scored and stored. */
  readonly done: Promise<WatchTotals>;
  /** Ends the capture, flushes the open connections, scores them; resolves like `done`. Idempotent. */
  stop(): Promise<WatchTotals>;
  totals(): WatchTotals;
}

/**
 * The live loop of `iot-ids watch`: capture runs (a tcpdump child, restarted after a crash; stdin; a paced
 * replay) → connection meter with interim records → features → the server's detection service, whose
 * alerts land in the same store, streams and metrics as POST /v1/detect. Between metering and scoring sits
 * a bounded queue: when scoring falls behind (a packet storm), whole batches are dropped and counted,
 * never buffered without limit.
 */
/** Most records handed to the detection service at once (see `score` in startWatch). */
const SCORE_CHUNK_RECORDS = 4096;

export function startWatch(
  source: LivePcapSource,
  server: RunningServer,
  options: WatchOptions = {},
): RunningWatch {
  const log = options.log ?? (() => {});
  const builder = new ConnectionTableBuilder(server.slot.current.manifest, server.slot.modelDir);
  const maxQueued = options.maxQueuedRecords ?? 50_000;
  const totals: WatchTotals = {
    packets: 0,
    records: 0,
    recordsScored: 0,
    recordsDropped: 0,
    alertingRecords: 0,
    anomalyRecords: 0,
    streamErrors: 0,
  };
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  let current: TrafficSummary | null = null;
  // Health reads the meter live: `current` is refreshed per batch, and a capture can read many packets
  // between two batches (open connections emit nothing).
  let liveSummary: (() => TrafficSummary) | null = null;
  const live = (): TrafficSummary | null => liveSummary?.() ?? current;
  let packetsBefore = 0;
  let stopping = false;
  let wakeStop: (() => void) | null = null;
  const stopRequested = new Promise<void>((resolve) => (wakeStop = resolve));
  const { lag, alertLag } = registerHealth(server.metrics.registry, source, () => ({
    packets: packetsBefore + (live()?.read ?? 0),
    open: live()?.openConnections ?? 0,
    dropped: totals.recordsDropped,
  }));
  const lagSeen = { last: null as number | null, sum: 0, batches: 0 };
  server.attachCapture(() => {
    const capture = source.health();
    return {
      kind: capture.kind,
      running: capture.running,
      restarts: capture.restarts,
      lastError: capture.lastError,
      packets: packetsBefore + (live()?.read ?? 0),
      kernelDropped: capture.stats.droppedByKernel,
      queueDropped: totals.recordsDropped,
      openConnections: live()?.openConnections ?? 0,
      recordsScored: totals.recordsScored,
      scoringLag: {
        lastSeconds: lagSeen.last,
        meanSeconds: lagSeen.batches > 0 ? lagSeen.sum / lagSeen.batches : null,
        batches: lagSeen.batches,
      },
    };
  });

  // A meter batch can be huge — the end-of-input flush of every open connection (≈ 170 k at 200 k packets/s),
  // or the records of a long read after a stall — more than the whole queue. Admitted in chunks, such a
  // batch is scored up to the queue's bound and only the rest is dropped, instead of all of it.
  // `emittedAt`: when the meter emitted the batch's first record (performance.now()), where the scoring lag
  // starts — not when the batch reached this point, after the rest of its input chunk was metered.
  // `waitForRoom`: the input has ended and this is the meter's flush of the open connections (SIGTERM, the end
  // of stdin or of a replay) — no packet waits behind it, so a chunk waits for the queue to have room instead
  // of being dropped (at 200 k packets/s ≈ 170 k connections are open, three times the queue).
  const score = async (batch: ConnRecord[], emittedAt: number, waitForRoom: boolean): Promise<void> => {
    for (let i = 0; i < batch.length; i += SCORE_CHUNK_RECORDS) {
      const chunk = batch.length <= SCORE_CHUNK_RECORDS ? batch : batch.slice(i, i + SCORE_CHUNK_RECORDS);
      // A chunk larger than the whole queue goes when nothing else is in flight.
      while (waitForRoom && pending.size > 0 && inFlight + chunk.length > maxQueued) {
        await Promise.race(pending);
      }
      scoreChunk(chunk, emittedAt, waitForRoom);
    }
  };
  const scoreChunk = (batch: ConnRecord[], emittedAt: number, admit: boolean): void => {
    totals.records += batch.length;
    if (!admit && inFlight + batch.length > maxQueued) {
      totals.recordsDropped += batch.length;
      return;
    }
    const { table, records } = builder.build(batch);
    inFlight += records.length;
    const sources = records.map((r) => r.origH);
    const recordOf = (row: number): Record<string, unknown> => storedRecord(records[row]);
    const work = server
      .detect({ table, recordOf, source: sources })
      .then(async (outcome) => {
        await outcome.durable;
        const anomalies = options.zeroDay
          ? await options.zeroDay.check(table, outcome, sources, recordOf)
          : 0;
        totals.recordsScored += records.length;
        totals.alertingRecords += outcome.alerts + anomalies;
        totals.anomalyRecords += anomalies;
        const seconds = (performance.now() - emittedAt) / 1000;
        // One observation per record, so the quantiles are of records (the goal's unit), not of batches.
        for (let i = 0; i < records.length; i++) lag.observe(seconds);
        for (let i = 0; i < outcome.alerts + anomalies; i++) alertLag.observe(seconds);
        lagSeen.last = seconds;
        lagSeen.sum += seconds;
        lagSeen.batches++;
        options.onScored?.(records, outcome);
      })
      .catch((error: unknown) => {
        totals.recordsDropped += records.length;
        log(`scoring failed, ${records.length} records dropped: ${(error as Error).message}`);
      })
      .finally(() => {
        inFlight -= records.length;
        pending.delete(work);
      });
    pending.add(work);
  };

  let runBytes = 0;
  const readRun = async (run: CaptureRun): Promise<void> => {
    runBytes = 0;
    const chunks = untilStopped(
      run,
      stopRequested,
      () => stopping,
      (n) => (runBytes += n),
    );
    const connections = await openConnectionSource(chunks, {
      file: `capture stream ${run.generation}`,
      meter: {
        interimInterval: options.interimSeconds ?? 10,
        tcpTimeout: options.tcpTimeout,
        udpTimeout: options.udpTimeout,
        icmpTimeout: options.udpTimeout,
        maxConnections: options.maxConnections,
      },
    });
    current = connections.summary();
    liveSummary = () => connections.summary();
    try {
      for await (const batch of connections.batches()) {
        current = connections.summary();
        await score(batch, connections.lastBatchEmittedAt(), connections.inputEnded());
      }
    } finally {
      liveSummary = null;
      current = connections.summary();
      const skipped = Object.entries(current.skipped);
      if (skipped.length > 0) {
        // Counted, never silent: a cut stream shows here as a truncated record.
        const list = skipped.map(([reason, n]) => `${reason} ×${n}`).join(', ');
        log(`capture stream ${run.generation}: packets not metered: ${list}`);
      }
      packetsBefore += current.read;
      totals.packets = packetsBefore;
      current = null;
    }
  };

  const loop = async (): Promise<WatchTotals> => {
    for await (const run of source.runs()) {
      try {
        await readRun(run);
      } catch (error) {
        // A capture child that died before writing anything left an empty stream: its exit is reported
        // by the source. Anything else (a broken header, unreadable bytes) is reported here; the next run,
        // if any, is read afresh.
        if (runBytes > 0) {
          totals.streamErrors++;
          log((error as Error).message);
        }
      }
      if (stopping) break;
    }
    while (pending.size > 0) await Promise.all([...pending]);
    return { ...totals };
  };
  const done = loop();

  return {
    done,
    totals: () => ({ ...totals, packets: packetsBefore + (live()?.read ?? 0) }),
    stop: async () => {
      stopping = true;
      wakeStop?.();
      await source.stop();
      return done;
    },
  };
}

/** The record stored with an alert: the connection as metered (what an analyst needs to find it). */
function storedRecord(r: ConnRecord): Record<string, unknown> {
  return {
    ts: r.ts,
    uid: r.uid,
    orig_h: r.origH,
    orig_p: r.origP,
    resp_h: r.respH,
    resp_p: r.respP,
    proto: r.proto,
    service: r.service,
    duration: r.duration,
    orig_bytes: r.origBytes,
    resp_bytes: r.respBytes,
    conn_state: r.connState,
    history: r.history,
    orig_pkts: r.origPkts,
    resp_pkts: r.respPkts,
    interim: r.interim ?? false,
  };
}

function registerHealth(
  registry: Registry,
  source: LivePcapSource,
  live: () => { packets: number; open: number; dropped: number },
): { lag: Histogram; alertLag: Histogram } {
  const registers = [registry];
  registerCaptureGauges(registry, 'Packets read from the capture.', () => {
    const capture = source.health();
    return {
      packets: live().packets,
      kernelDropped: capture.stats.droppedByKernel,
      running: capture.running,
      restarts: capture.restarts,
    };
  });
  scrapeGauge(
    registry,
    'iot_ids_watch_queue_dropped_total',
    "Connection records dropped by iot-ids' own bounded scoring queue (scoring fell behind).",
    () => live().dropped,
  );
  scrapeGauge(
    registry,
    'iot_ids_watch_open_connections',
    'Connections open in the meter.',
    () => live().open,
  );
  const lag = new Histogram({
    name: 'iot_ids_watch_scoring_lag_seconds',
    help:
      'Time from a connection record leaving the meter to its verdict, and its alerts if any, being durable ' +
      'in the store (one observation per record; a batch counts from its first record).',
    buckets: LAG_BUCKETS,
    registers,
  });
  const alertLag = new Histogram({
    name: 'iot_ids_watch_alert_lag_seconds',
    help:
      'The same time for the records that raised an alert: from leaving the meter to the alert being durable ' +
      'in the store.',
    buckets: LAG_BUCKETS,
    registers,
  });
  return { lag, alertLag };
}

/** Fine around the 100 ms goal, so a quantile read from the buckets is not an artefact of coarse ones. */
const LAG_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function checkInterim(seconds: number): number {
  if (!(seconds >= 0) || !Number.isFinite(seconds)) {
    throw new IotIdsError(`--interim must be a number of seconds ≥ 0, got ${seconds}`, { kind: 'usage' });
  }
  return seconds;
}
