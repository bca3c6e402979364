import { describe, expect, it } from 'vitest';
import { AlertAggregator, type AlertGroup } from './alert-aggregator.js';
import { AlertHub, type LiveEvent } from './alert-hub.js';
import { AlertStore, DEFAULT_ALERT_WINDOW_SECONDS } from './alert-store.js';

/** A clock the test moves by hand. */
function clock(start: number): { now: () => number; set: (t: number) => void } {
  let t = start;
  return { now: () => t, set: (next) => (t = next) };
}

describe('AlertAggregator', () => {
  it('folds a batch by class and source: count, max probability and the first record', () => {
    const store = AlertStore.open(':memory:');
    try {
      const time = clock(120_500);
      const aggregator = new AlertAggregator(store, null, time.now);
      expect(aggregator.windowMs).toBe(DEFAULT_ALERT_WINDOW_SECONDS * 1000);
      const batch = aggregator.begin<string>();
      expect(batch.windowStart).toBe(120_000);
      const firsts: string[] = [];
      const add = (cls: string, source: string, p: number, record: string) =>
        batch.add(cls, source, p, () => (firsts.push(record), record));
      expect(add('dos', 'gw-1', 0.7, 'r0')).toBe(0);
      expect(add('dos', 'gw-1', 0.9, 'r1')).toBe(0);
      expect(add('dos', 'gw-2', 0.6, 'r2')).toBe(1);
      expect(add('probe', 'gw-1', 0.8, 'r3')).toBe(2);
      expect(add('dos', 'gw-1', 0.8, 'r4')).toBe(0);
      expect(firsts).toEqual(['r0', 'r2', 'r3']);
      expect(batch.groups[0]).toEqual({
        class: 'dos',
        sourceKey: 'gw-1',
        count: 3,
        probability: 0.7,
        maxProbability: 0.9,
        first: 'r0',
      });
      const { results } = aggregator.commit(batch, 'rf', (g) => ({
        explanation: [],
        record: { id: g.first },
      }));
      expect(results.map((r) => [r.count, r.created])).toEqual([
        [3, true],
        [1, true],
        [1, true],
      ]);
      expect(store.get(results[0].id)).toMatchObject({ count: 3, maxProbability: 0.9, record: { id: 'r0' } });
    } finally {
      store.close();
    }
  });

  it("uses the store's window: later batches in it grow the alert, the next window opens a new one", () => {
    const store = AlertStore.open(':memory:', { alertWindowSeconds: 10 });
    try {
      const time = clock(5_000);
      const aggregator = new AlertAggregator(store, null, time.now);
      const asked: string[] = [];
      const details = (g: AlertGroup<string>) => {
        asked.push(g.first);
        return { explanation: [], record: g.first };
      };
      const step = (record: string) => {
        const batch = aggregator.begin<string>();
        batch.add('dos', 'gw-1', 0.9, () => record);
        return aggregator.commit(batch, 'rf', details).results[0];
      };
      const first = step('a');
      time.set(9_999);
      const same = step('b');
      time.set(10_000);
      const next = step('c');
      expect(same).toEqual({ id: first.id, count: 2, created: false });
      expect(next.created).toBe(true);
      expect(next.id).not.toBe(first.id);
      // Only groups that open an alert are asked for what to store.
      expect(asked).toEqual(['a', 'c']);
      expect(store.get(first.id)).toMatchObject({
        count: 2,
        record: 'a',
        windowStart: new Date(0).toISOString(),
      });

      // Another aggregator on the same store (a restart, or a second `consume` process) finds the open
      // alert in the store and folds into it.
      const again = new AlertAggregator(store, null, time.now);
      const batch = again.begin<string>();
      batch.add('dos', 'gw-1', 0.5, () => 'd');
      expect(again.opensAlert(batch, batch.groups[0])).toBe(false);
      expect(again.commit(batch, 'rf', details).results[0]).toEqual({
        id: next.id,
        count: 2,
        created: false,
      });
      expect(asked).toEqual(['a', 'c']);
    } finally {
      store.close();
    }
  });

  it('publishes new alerts and updates to the hub only once the commit is durable', async () => {
    const store = AlertStore.open(':memory:');
    try {
      const hub = new AlertHub();
      const heard: LiveEvent[] = [];
      hub.subscribe((event) => heard.push(event));
      const aggregator = new AlertAggregator(store, hub, () => 60_000);
      const batch = aggregator.begin<null>();
      batch.add('dos', 'gw-1', 0.9, () => null);
      const { durable } = aggregator.commit(batch, 'rf', () => ({ explanation: [], record: null }));
      expect(heard).toEqual([]);
      await durable;
      expect(heard.map((e) => e.type)).toEqual(['alert']);

      const more = aggregator.begin<null>();
      more.add('dos', 'gw-1', 0.95, () => null);
      more.add('dos', 'gw-1', 0.95, () => null);
      await aggregator.commit(more, 'rf', () => ({ explanation: [], record: null })).durable;
      expect(heard[1]).toEqual({
        type: 'update',
        data: { id: heard[0].data.id, class: 'dos', count: 3, lastTime: new Date(60_000).toISOString() },
      });
    } finally {
      store.close();
    }
  });

  it('commits nothing for a batch without alerting records', async () => {
    const store = AlertStore.open(':memory:');
    try {
      const aggregator = new AlertAggregator(store);
      const { results, durable } = aggregator.commit(aggregator.begin(), 'rf', () => {
        throw new Error('not asked');
      });
      expect(results).toEqual([]);
      await durable;
      expect(store.list({}).alerts).toEqual([]);
    } finally {
      store.close();
    }
  });
});
