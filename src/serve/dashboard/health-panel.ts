import type { CaptureHealth, PacketWatchHealth, WatchHealth } from './api-types.js';
import { el, numberFormat } from './dom.js';

/**
 * Capture health under `iot-ids watch`: packets seen, drops in the kernel and in iot-ids' own queue, open
 * connections and scoring lag; with a packet-ae model, packets scored, warm-up and alerting packets. The
 * panel stays hidden when no capture is attached (`serve`).
 */
export function renderHealth(panel: HTMLElement, list: HTMLElement, capture: CaptureHealth | null): void {
  panel.classList.toggle('hidden', capture === null);
  if (capture === null) return;
  const state = capture.running ? 'running' : 'stopped';
  const restarts = capture.restarts > 0 ? `, ${capture.restarts} restarts` : '';
  const rows: [string, string, string][] = [
    ['capture', `${capture.kind}, ${state}${restarts}`, capture.running ? '' : 'bad'],
    ['packets seen', numberFormat.format(capture.packets), ''],
    ['dropped by the kernel', numberFormat.format(capture.kernelDropped), capture.kernelDropped ? 'bad' : ''],
    ...('detector' in capture ? packetRows(capture) : flowRows(capture)),
  ];
  if (capture.lastError) rows.push(['last capture problem', capture.lastError, 'bad']);
  list.replaceChildren();
  for (const [key, value, mark] of rows) list.append(el('dt', '', key), el('dd', mark, value));
}

/** A packet-ae watch: every packet scored as it is read, alerts only after the warm-up. */
function packetRows(capture: PacketWatchHealth): [string, string, string][] {
  const left = capture.warmupRemainingSeconds;
  const warmup = capture.warmingUp
    ? `warming up${left === null ? '' : `, ${Math.ceil(left)} s of capture left`}`
    : 'over';
  return [
    ['packets scored', numberFormat.format(capture.packetsScored), ''],
    ['not decoded', numberFormat.format(capture.notDecoded), ''],
    ['warm-up (no alerts)', `${warmup} (${numberFormat.format(capture.warmupPackets)} packets)`, ''],
    ['alerting packets', numberFormat.format(capture.alertingPackets), ''],
    ['score threshold', capture.threshold.toPrecision(4), ''],
  ];
}

function flowRows(capture: WatchHealth): [string, string, string][] {
  return [
    [
      'records dropped (queue full)',
      numberFormat.format(capture.queueDropped),
      capture.queueDropped ? 'bad' : '',
    ],
    ['open connections', numberFormat.format(capture.openConnections), ''],
    ['records scored', numberFormat.format(capture.recordsScored), ''],
    [
      'scoring lag (last / mean)',
      `${ms(capture.scoringLag.lastSeconds)} / ${ms(capture.scoringLag.meanSeconds)}`,
      '',
    ],
  ];
}

function ms(seconds: number | null): string {
  return seconds === null ? '–' : `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0)} ms`;
}
