import { join } from 'node:path';
import { IotIdsError, usageError } from '../../errors.js';
import { logNormalThreshold } from '../../models/packet-ae/log-normal-threshold.js';
import type { AlertStore as AlertStoreType } from '../../alerts/alert-store.js';
import type { RunningAlertService } from '../../serve/server.js';
import type { LivePcapSource } from '../../traffic/live/live-source.js';

/** The flags `watch` passes on when its model is a packet-ae model. */
export interface PacketWatchFlags {
  modelDir: string;
  store: string;
  host: string;
  /** Serve the API, streams, /metrics and dashboard on this port (none without it). */
  port?: number;
  tokenFile?: string;
  alertWindow?: number;
  warmup?: number;
  /** Alert above this tail of the model's fitted log-normal instead of its own threshold. */
  falseAlarmRate?: number;
  /** A source alerts once this many of its packets in a window are over the threshold. */
  minAlerting?: number;
  /** Flags that only mean something for flow models; refused here, naming them. */
  flowOnly: Record<string, boolean>;
}

/**
 * `iot-ids watch` with a packet-ae model: every packet scored, alerting packets folded per source and alert
 * window into the store (see `startPacketWatch`). With `--port`, the alert API, live streams, /metrics,
 * capture health and dashboard are served from the same process (`startPacketServer`); the flow options
 * (thresholds, queue, interim records, zero-day) are refused.
 */
export async function watchPackets(
  flags: PacketWatchFlags,
  live: { source: LivePcapSource; name: string; dispose: () => void },
  log: (message: string) => void,
): Promise<void> {
  const refused = Object.entries(flags.flowOnly)
    .filter(([, given]) => given)
    .map(([name]) => name);
  if (refused.length > 0) {
    await live.source.stop();
    throw usageError(
      `${refused.join(', ')}: not with a packet-ae model (it scores packets, not connections)`,
    );
  }
  if (flags.port === undefined && flags.tokenFile !== undefined) {
    await live.source.stop();
    throw usageError('--token-file goes with --port (a packet-ae watch serves its API only with --port)');
  }
  const { loadPacketAeModel } = await import('../../models/packet-ae/model-dir.js');
  const { PacketStats } = await import('../../traffic/packet-stats/packet-stats.js');
  const { AlertStore } = await import('../../alerts/alert-store.js');
  const { startPacketWatch } = await import('../../serve/watch/packet-watch.js');
  let store: AlertStoreType | undefined;
  let server: RunningAlertService | undefined;
  let watch;
  try {
    const { detector, manifest } = await loadPacketAeModel(flags.modelDir);
    if (manifest.features.extractor !== 'packet-stats') {
      throw new IotIdsError(`unknown feature extractor "${manifest.features.extractor}"`, {
        location: { file: join(flags.modelDir, 'manifest.json'), field: 'features.extractor' },
      });
    }
    detector.freeze();
    const model = {
      detector,
      features: new PacketStats(manifest.features.options),
      id: `packet-ae@${manifest.createdAt}`,
    };
    const watchOptions = {
      windowSeconds: flags.alertWindow,
      warmupSeconds: flags.warmup,
      threshold: thresholdAt(detector, flags.falseAlarmRate),
      minAlerting: flags.minAlerting,
      log,
    };
    if (flags.port !== undefined) {
      const { startPacketServer } = await import('../../serve/server.js');
      const { packetModelInfo, servePacketWatch } = await import('../../serve/watch/packet-serve.js');
      server = await startPacketServer({
        model: packetModelInfo(model, flags.modelDir, manifest.createdAt),
        host: flags.host,
        port: flags.port,
        tokenFile: flags.tokenFile,
        store: flags.store,
        alertWindowSeconds: flags.alertWindow,
        log,
      });
      watch = servePacketWatch(live.source, model, server, watchOptions);
    } else {
      store = AlertStore.open(flags.store, { alertWindowSeconds: flags.alertWindow });
      watch = startPacketWatch(live.source, model, store, watchOptions);
    }
  } catch (error) {
    store?.close();
    await server?.close();
    await live.source.stop();
    throw error;
  }
  const stop = (): void => {
    log('stopping: writing pending alerts');
    void watch.stop();
  };
  // Handlers before the "watching" line: a supervisor (or a test) may signal as soon as it reads it.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const served = server ? `; API and dashboard at ${server.url}/` : '';
  log(`iot-ids watching ${live.name} with ${flags.modelDir} (packet-ae); alerts → ${flags.store}${served}`);
  const totals = await watch.done;
  live.dispose();
  store?.close();
  await server?.close();
  log(
    `watch ended: ${totals.packets} packets scored (${totals.skipped} not decoded), ${totals.alertingPackets} alerting packets ` +
      `in ${totals.alertGroups} alert group write(s)` +
      (totals.streamErrors ? `, ${totals.streamErrors} capture stream error(s), see above` : ''),
  );
}

/** The score at a tail of the model's saved log-normal fit, or undefined to keep the model's threshold. */
function thresholdAt(
  detector: { thresholdFit: { mu: number; sigma: number } },
  falseAlarmRate: number | undefined,
): number | undefined {
  if (falseAlarmRate === undefined) return undefined;
  if (!(falseAlarmRate < 1)) throw usageError(`--false-alarm-rate must be below 1, got ${falseAlarmRate}`);
  const { mu, sigma } = detector.thresholdFit;
  return logNormalThreshold(mu, sigma, falseAlarmRate);
}
