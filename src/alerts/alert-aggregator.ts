import type { AlertHub, LiveEvent } from './alert-hub.js';
import type { AlertGroupResult, AlertGroupWrite, AlertStore, StoredContribution } from './alert-store.js';
import { round6 } from '../util/round6.js';

/** The alerting records of one class from one source within a batch, folded together. */
export interface AlertGroup<First> {
  class: string;
  sourceKey: string;
  count: number;
  /** Probability of the first record (the one a new alert keeps and explains). */
  probability: number;
  maxProbability: number;
  /** The caller's handle on the group's first record. */
  first: First;
}

/** What a group that opens a new alert stores besides its counts. */
export interface NewAlertDetails {
  explanation: readonly StoredContribution[];
  record: unknown;
}

/**
 * The alerting records of one batch, all scored at one time and so in one aggregation window, grouped by
 * class and source key. Built by `AlertAggregator.begin`.
 */
export class AlertBatch<First> {
  readonly groups: AlertGroup<First>[] = [];
  /** @internal Whether a group opens a new alert, asked of the store once per group. */
  readonly opens = new Map<AlertGroup<First>, boolean>();
  private readonly byKey = new Map<string, number>();

  constructor(
    /** When the batch was scored, ms since the epoch. */
    readonly time: number,
    /** Start of its aggregation window, ms since the epoch. */
    readonly windowStart: number,
  ) {}

  /** Folds one alerting record in; `first` is called only for the first record of a new group. */
  add(cls: string, sourceKey: string, probability: number, first: () => First): number {
    const key = groupKey(cls, sourceKey);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.groups.length;
      this.byKey.set(key, index);
      this.groups.push({
        class: cls,
        sourceKey,
        count: 0,
        probability,
        maxProbability: probability,
        first: first(),
      });
    }
    const group = this.groups[index];
    group.count++;
    if (probability > group.maxProbability) group.maxProbability = probability;
    return index;
  }
}

/** What merging a batch into the store gave. */
export interface CommittedBatch {
  /** Per group, in batch order: the alert it landed in, that alert's count, whether it was opened. */
  results: AlertGroupResult[];
  /** Resolves once the batch is durable (see `AlertStore.durable`), after which it was published. */
  durable: Promise<void>;
}

/**
 * The one alert aggregation of iot-ids, used by the HTTP service (and `watch` through it) and by the Kafka
 * consumer: every alerting record of one class from one source key within one window (aligned to the
 * clock; its length is the store's `alertWindowMs`, set once where the store is opened) folds into a
 * single stored alert with a count. The first record of a group that opens a new alert is the one kept
 * (and explained, by the caller); later records only raise `count`, `lastTime` and `maxProbability`.
 * A batch's groups are merged in one transaction; once durable, the new alerts and the updates are
 * published to the hub (live clients, forwarders), so nobody hears of an alert the store could lose.
 */
export class AlertAggregator {
  /** Alert ids of the groups already open in the current window, to skip the store lookup. */
  private openAlerts = new Map<string, number>();
  private openWindow = -1;

  constructor(
    private readonly store: AlertStore,
    private readonly hub: AlertHub | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  get windowMs(): number {
    return this.store.alertWindowMs;
  }

  /** A new batch, stamped with the current time and window. */
  begin<First>(): AlertBatch<First> {
    const time = this.now();
    const windowStart = time - (time % this.windowMs);
    if (windowStart !== this.openWindow) {
      this.openAlerts = new Map();
      this.openWindow = windowStart;
    }
    return new AlertBatch<First>(time, windowStart);
  }

  /** Whether merging `group` will open a new alert (none is open for its class and source in the window). */
  opensAlert<First>(batch: AlertBatch<First>, group: AlertGroup<First>): boolean {
    let opens = batch.opens.get(group);
    if (opens === undefined) {
      opens =
        !this.openAlerts.has(groupKey(group.class, group.sourceKey)) &&
        this.store.findOpenAlert(group.class, group.sourceKey, batch.windowStart) === undefined;
      batch.opens.set(group, opens);
    }
    return opens;
  }

  /**
   * Merges the batch's groups into the store in one transaction (returns once committed) and publishes
   * the events once the commit is durable. `details` gives what a group that opens a new alert stores
   * (explanation, record); it is asked only for those, and only they store it.
   */
  commit<First>(
    batch: AlertBatch<First>,
    model: string,
    details: (group: AlertGroup<First>) => NewAlertDetails,
  ): CommittedBatch {
    if (batch.groups.length === 0) return { results: [], durable: Promise.resolve() };
    const writes = batch.groups.map((g): AlertGroupWrite => {
      const opening = this.opensAlert(batch, g);
      const extra = opening ? details(g) : { explanation: [], record: null };
      return {
        class: g.class,
        sourceKey: g.sourceKey,
        windowStart: batch.windowStart,
        firstTime: batch.time,
        lastTime: batch.time,
        count: g.count,
        probability: round6(g.probability),
        maxProbability: round6(g.maxProbability),
        explanation: extra.explanation,
        record: extra.record,
        model,
      };
    });
    const results = this.store.writeGroups(writes);
    results.forEach((result, i) => {
      const g = batch.groups[i];
      this.openAlerts.set(groupKey(g.class, g.sourceKey), result.id);
    });
    const durable = this.store.durable();
    if (this.hub) publishWhenDurable(this.hub, durable, liveEventsOf(this.store, writes, results));
    return { results, durable };
  }
}

/**
 * The live events of groups just merged into the store (`results[i]` is where `writes[i]` landed): the new
 * alert as stored for a group that opened one, else the grown count.
 */
export function liveEventsOf(
  store: AlertStore,
  writes: readonly AlertGroupWrite[],
  results: readonly AlertGroupResult[],
): LiveEvent[] {
  const events: LiveEvent[] = [];
  results.forEach((result, i) => {
    const w = writes[i];
    if (result.created) {
      const alert = store.get(result.id);
      if (alert) events.push({ type: 'alert', data: alert });
    } else {
      events.push({
        type: 'update',
        data: {
          id: result.id,
          class: w.class,
          count: result.count,
          lastTime: new Date(w.lastTime).toISOString(),
        },
      });
    }
  });
  return events;
}

/** Live clients and forwarders never hear of an alert before it is durable. */
export function publishWhenDurable(
  hub: AlertHub,
  durable: Promise<void>,
  events: readonly LiveEvent[],
): void {
  durable.then(
    () => hub.publish(events),
    () => {},
  );
}

function groupKey(cls: string, sourceKey: string): string {
  return `${cls}\u0000${sourceKey}`;
}
