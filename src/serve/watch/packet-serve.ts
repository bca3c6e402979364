import type { Registry } from 'prom-client';
import { runNameOf, type ModelInfo } from '../../detection/model-slot.js';
import { ANOMALY_CLASS } from '../../models/zero-day/combine.js';
import type { LivePcapSource } from '../../traffic/live/live-source.js';
import type { RunningAlertService } from '../server.js';
import type { PacketWatchHealth } from '../watch-health.js';
import { registerCaptureGauges, scrapeGauge } from './capture-gauges.js';
import {
  startPacketWatch,
  type PacketModel,
  type PacketWatchOptions,
  type RunningPacketWatch,
} from './packet-watch.js';

/**
 * What /v1/model, /readyz and the dashboard say about a packet-ae model. It has no dataset, task or
 * evaluation protocol of a classifier: it learned unlabelled packets online, and its one attack class is
 * `anomaly`, whose threshold is the detector's score (RMSE) threshold, not a probability.
 */
export function packetModelInfo(model: PacketModel, modelDir: string, createdAt: string): ModelInfo {
  return {
    id: model.id,
    run: runNameOf(modelDir),
    kind: 'packet-ae',
    dataset: 'unlabelled packets (learned online)',
    task: 'anomaly',
    protocol: `grace periods, ${model.features.nFeatures} packet-stats features`,
    classes: ['normal', ANOMALY_CLASS],
    normalClass: 'normal',
    // Six significant digits for reading; /v1/capture gives the exact threshold.
    thresholds: { [ANOMALY_CLASS]: Number((model.detector.threshold ?? Number.NaN).toPrecision(6)) },
    inputColumns: model.features.nFeatures,
    createdAt,
    loadedAt: new Date().toISOString(),
  };
}

/**
 * `iot-ids watch --port` with a packet-ae model: the packet watch writes into the service's store, its
 * alerts reach the live clients once durable, and its health is in GET /v1/capture and /metrics. Stop the
 * watch (and await it) before closing the service, so its last alerts are written.
 */
export function servePacketWatch(
  source: LivePcapSource,
  model: PacketModel,
  service: RunningAlertService,
  options: PacketWatchOptions = {},
): RunningPacketWatch {
  const metrics = service.metrics;
  const watch = startPacketWatch(source, model, service.store, {
    ...options,
    hub: service.hub,
    onWritten: (groups, results) => {
      results.forEach((result, i) => {
        // As under serve, a packet is a record: alerting ones and the alert rows they open.
        metrics.alertRecords.inc({ class: groups[i].class }, groups[i].count);
        if (result.created) metrics.alertsCreated.inc({ class: groups[i].class });
      });
      options.onWritten?.(groups, results);
    },
  });
  const threshold = model.detector.threshold ?? Number.NaN;
  const health = (): PacketWatchHealth => {
    const capture = source.health();
    const totals = watch.totals();
    const progress = watch.progress();
    return {
      detector: 'packet-ae',
      kind: capture.kind,
      running: capture.running,
      restarts: capture.restarts,
      lastError: capture.lastError,
      packets: totals.packets + progress.notDecoded,
      kernelDropped: capture.stats.droppedByKernel,
      packetsScored: totals.packets,
      notDecoded: progress.notDecoded,
      warmingUp: progress.warmupRemainingSeconds === null || progress.warmupRemainingSeconds > 0,
      warmupRemainingSeconds: progress.warmupRemainingSeconds,
      warmupPackets: totals.warmupPackets,
      alertingPackets: totals.alertingPackets,
      alertGroups: totals.alertGroups,
      threshold,
    };
  };
  registerPacketHealth(metrics.registry, health);
  service.attachCapture(health);
  return watch;
}

/**
 * The health as Prometheus metrics, read at scrape time. The capture's figures keep the flow watch's names
 * (`iot_ids_watch_packets_total`, `…_kernel_dropped_total`, `…_capture_running`, `…_capture_restarts_total`);
 * the flow watch's queue, open connections and scoring lag do not apply (no queue, no meter).
 */
function registerPacketHealth(registry: Registry, health: () => PacketWatchHealth): void {
  registerCaptureGauges(registry, 'Frames read from the capture.', () => {
    const h = health();
    return { packets: h.packets, kernelDropped: h.kernelDropped, running: h.running, restarts: h.restarts };
  });
  const gauge = (name: string, help: string, read: (h: PacketWatchHealth) => number): void =>
    scrapeGauge(registry, name, help, () => read(health()));
  gauge(
    'iot_ids_watch_packets_scored_total',
    'Packets decoded and scored by the packet-ae detector (warm-up included).',
    (h) => h.packetsScored,
  );
  gauge(
    'iot_ids_watch_packets_not_decoded_total',
    'Frames the reader could not decode (non-IP, truncated), not scored.',
    (h) => h.notDecoded,
  );
  gauge('iot_ids_watch_warmup', '1 while the packet-ae watch warms up (packets scored, no alerts).', (h) =>
    h.warmingUp ? 1 : 0,
  );
  gauge('iot_ids_watch_warmup_packets_total', 'Packets scored during the warm-up.', (h) => h.warmupPackets);
  gauge(
    'iot_ids_watch_alerting_packets_total',
    'Packets that scored above the threshold after the warm-up.',
    (h) => h.alertingPackets,
  );
  gauge(
    'iot_ids_watch_alert_groups_total',
    'Alert group writes: alerting packets of one source folded per flush, each opening or growing an alert.',
    (h) => h.alertGroups,
  );
}
