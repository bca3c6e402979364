import { join } from 'node:path';
import { IotIdsError, usageError } from '../../errors.js';
import type { LivePcapSource } from '../../traffic/live/live-source.js';

/** The flags `watch` passes on when its model is a packet-ae model. */
export interface PacketWatchFlags {
  modelDir: string;
  store: string;
  alertWindow?: number;
  warmup?: number;
  /** Flags that only mean something for flow models; refused here, naming them. */
  flowOnly: Record<string, boolean>;
}

/**
 * `iot-ids watch` with a packet-ae model: every packet scored, alerting packets folded per source and alert
 * window into the store (see `startPacketWatch`). The API and dashboard serve flow models only, so `--port`
 * and the flow options are refused; `iot-ids serve` on the same store shows the alerts.
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
      `${refused.join(', ')}: not with a packet-ae model (it scores packets, not connections, and serves no API or dashboard yet)`,
    );
  }
  const { loadPacketAeModel } = await import('../../models/packet-ae/model-dir.js');
  const { PacketStats } = await import('../../traffic/packet-stats/packet-stats.js');
  const { AlertStore } = await import('../../alerts/alert-store.js');
  const { startPacketWatch } = await import('../../serve/watch/packet-watch.js');
  let store;
  let watch;
  try {
    const { detector, manifest } = await loadPacketAeModel(flags.modelDir);
    if (manifest.features.extractor !== 'packet-stats') {
      throw new IotIdsError(`unknown feature extractor "${manifest.features.extractor}"`, {
        location: { file: join(flags.modelDir, 'manifest.json'), field: 'features.extractor' },
      });
    }
    detector.freeze();
    store = AlertStore.open(flags.store, { alertWindowSeconds: flags.alertWindow });
    watch = startPacketWatch(
      live.source,
      {
        detector,
        features: new PacketStats(manifest.features.options),
        id: `packet-ae@${manifest.createdAt}`,
      },
      store,
      { windowSeconds: flags.alertWindow, warmupSeconds: flags.warmup, log },
    );
  } catch (error) {
    store?.close();
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
  log(`iot-ids watching ${live.name} with ${flags.modelDir} (packet-ae); alerts → ${flags.store}`);
  const totals = await watch.done;
  live.dispose();
  store.close();
  log(
    `watch ended: ${totals.packets} packets scored (${totals.skipped} not decoded), ${totals.alertingPackets} alerting packets ` +
      `in ${totals.alertGroups} alert group write(s)` +
      (totals.streamErrors ? `, ${totals.streamErrors} capture stream error(s), see above` : ''),
  );
}
