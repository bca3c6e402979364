/**
 * Folds alerting packets into one alert per source and time window (as the other detectors' alerts are
 * stored), so a scan of a million packets is a handful of alerts, not a million. Windows are aligned to
 * multiples of `windowSeconds`; a group is emitted once the newest timestamp seen is past its window.
 */
export interface PacketAlert {
  source: string;
  /** Window start, seconds since the epoch. */
  windowStart: number;
  /** Timestamps and capture indexes of the first and last alerting packet folded in. */
  firstTs: number;
  lastTs: number;
  firstIndex: number;
  lastIndex: number;
  count: number;
  firstScore: number;
  maxScore: number;
}

export class PacketAlertAggregator {
  readonly windowSeconds: number;
  private readonly open = new Map<string, PacketAlert>();
  private newest = Number.NEGATIVE_INFINITY;

  constructor(windowSeconds = 60) {
    if (!(windowSeconds > 0 && Number.isFinite(windowSeconds)))
      throw new RangeError('windowSeconds must be positive');
    this.windowSeconds = windowSeconds;
  }

  /** Adds one alerting packet; returns the groups whose windows closed because time moved on. */
  add(source: string, ts: number, index: number, score: number): PacketAlert[] {
    const windowStart = Math.floor(ts / this.windowSeconds) * this.windowSeconds;
    const key = `${source}\u0000${windowStart}`;
    const group = this.open.get(key);
    if (group) {
      group.count++;
      group.lastTs = Math.max(group.lastTs, ts);
      group.lastIndex = index;
      if (score > group.maxScore) group.maxScore = score;
    } else {
      this.open.set(key, {
        source,
        windowStart,
        firstTs: ts,
        lastTs: ts,
        firstIndex: index,
        lastIndex: index,
        count: 1,
        firstScore: score,
        maxScore: score,
      });
    }
    return this.advance(ts);
  }

  /** Moves time to `ts` (call it for every packet, alerting or not) and returns the groups that closed. */
  advance(ts: number): PacketAlert[] {
    if (!(ts > this.newest)) return [];
    this.newest = ts;
    let closed: PacketAlert[] | null = null;
    for (const [key, group] of this.open) {
      if (group.windowStart + this.windowSeconds <= ts) {
        (closed ??= []).push(group);
        this.open.delete(key);
      }
    }
    return closed ?? [];
  }

  /** Emits every open group (end of input), oldest window first. */
  drain(): PacketAlert[] {
    const all = [...this.open.values()].sort(
      (a, b) => a.windowStart - b.windowStart || a.firstIndex - b.firstIndex,
    );
    this.open.clear();
    return all;
  }
}
