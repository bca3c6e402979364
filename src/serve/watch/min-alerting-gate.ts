import { IotIdsError } from '../../errors.js';

/** Sources followed in one window at most; past it a new source alerts at once (fail open, never unbounded). */
const MAX_SOURCES = 100_000;

/**
 * The k-of-window rule of a packet-ae watch (`--min-alerting K`, as `lab/evaluate-packets.ts
 * --packet-min-alerting`): a source's alerting packets raise an alert only once K of them fall in the same
 * alert window, so one stray packet over the threshold is not an alert. `admit` answers how many packets
 * to add to the source's alert: 0 while it is held, K at the K-th (the held ones come in with it), then 1.
 * Windows are on the scoring clock, as the store's are; a new window starts every source from 0.
 */
export class MinAlertingGate {
  private readonly counts = new Map<string, number>();
  private window = Number.NaN;

  constructor(
    readonly minAlerting: number,
    private readonly windowMs: number,
  ) {
    if (!Number.isInteger(minAlerting) || minAlerting < 1 || minAlerting > 10_000) {
      throw new IotIdsError(`--min-alerting must be a whole number from 1 to 10000, got ${minAlerting}`, {
        kind: 'usage',
      });
    }
  }

  admit(source: string, nowMs: number): number {
    if (this.minAlerting === 1) return 1;
    const window = nowMs - (nowMs % this.windowMs);
    if (window !== this.window) {
      this.counts.clear();
      this.window = window;
    }
    const before = this.counts.get(source);
    if (before === undefined && this.counts.size >= MAX_SOURCES) return 1;
    const count = (before ?? 0) + 1;
    this.counts.set(source, count);
    if (count < this.minAlerting) return 0;
    return count === this.minAlerting ? count : 1;
  }
}
