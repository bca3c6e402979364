import { Gauge, type Registry } from 'prom-client';

/** A gauge whose value is read from the live state at scrape time (nothing to update between scrapes). */
export function scrapeGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** What both watches (flows and packets) report about their tcpdump capture. */
export interface CaptureFigures {
  packets: number;
  kernelDropped: number;
  running: boolean;
  restarts: number;
}

/**
 * The capture's gauges under the names both watches share, so a dashboard or alert rule written for one
 * works for the other: `iot_ids_watch_packets_total`, `…_kernel_dropped_total`, `…_capture_running` and
 * `…_capture_restarts_total`. `packetsHelp` says what counts as a packet in that watch.
 */
export function registerCaptureGauges(
  registry: Registry,
  packetsHelp: string,
  read: () => CaptureFigures,
): void {
  scrapeGauge(registry, 'iot_ids_watch_packets_total', packetsHelp, () => read().packets);
  scrapeGauge(
    registry,
    'iot_ids_watch_kernel_dropped_total',
    "Packets the kernel dropped before tcpdump saw them (tcpdump's statistics).",
    () => read().kernelDropped,
  );
  scrapeGauge(registry, 'iot_ids_watch_capture_running', '1 while the capture is running.', () =>
    read().running ? 1 : 0,
  );
  scrapeGauge(
    registry,
    'iot_ids_watch_capture_restarts_total',
    'Times the capture child was restarted after it stopped.',
    () => read().restarts,
  );
}
