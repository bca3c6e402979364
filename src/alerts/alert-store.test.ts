import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALERT_STORE_SCHEMA_VERSION,
  AlertStore,
  PRUNE_BATCH_ROWS,
  type AlertGroupWrite,
} from './alert-store.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);

/** An alert of source `sourceKey` whose window starts at `windowStart` and whose last record is at `lastTime`. */
function aged(sourceKey: string, windowStart: number, lastTime: number): AlertGroupWrite {
  return group({ sourceKey, windowStart, firstTime: windowStart, lastTime });
}

function group(overrides: Partial<AlertGroupWrite> = {}): AlertGroupWrite {
  return {
    class: 'dos',
    sourceKey: '10.0.0.1',
    windowStart: 60_000,
    firstTime: 61_000,
    lastTime: 61_000,
    count: 3,
    probability: 0.9,
    maxProbability: 0.95,
    explanation: [{ feature: 'src_bytes', value: 1032, neutral: 0, contribution: 0.4 }],
    record: { src_bytes: 1032, service: 'ecr_i' },
    model: 'rf@test',
    ...overrides,
  };
}

describe('AlertStore', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-store-'));
    path = join(dir, 'sub', 'alerts.db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a versioned schema in WAL mode', () => {
    const store = AlertStore.open(path);
    store.writeGroups([group()]);
    expect(existsSync(`${path}-wal`)).toBe(true);
    store.close();
    const db = new Database(path);
    const version = (db.pragma('user_version') as { user_version: number }[])[0].user_version;
    const mode = (db.pragma('journal_mode') as { journal_mode: string }[])[0].journal_mode;
    db.close();
    expect(version).toBe(ALERT_STORE_SCHEMA_VERSION);
    expect(mode).toBe('wal');
  });

  it('folds groups of one class, source and window into one alert with a count', () => {
    const store = AlertStore.open(path);
    const [first] = store.writeGroups([group()]);
    expect(first.created).toBe(true);
    const [again, other] = store.writeGroups([
      group({ count: 2, lastTime: 75_000, maxProbability: 0.99, explanation: [], record: null }),
      group({ sourceKey: '10.0.0.2' }),
    ]);
    expect(again).toEqual({ id: first.id, count: 5, created: false });
    expect(other.created).toBe(true);
    expect(other.id).not.toBe(first.id);
    const alert = store.get(first.id)!;
    expect(alert).toMatchObject({
      class: 'dos',
      count: 5,
      probability: 0.9,
      maxProbability: 0.99,
      time: new Date(61_000).toISOString(),
      lastTime: new Date(75_000).toISOString(),
      windowStart: new Date(60_000).toISOString(),
      sourceKey: '10.0.0.1',
      model: 'rf@test',
    });
    // The first record and its explanation stay; later groups only add to the count.
    expect(alert.record).toEqual({ src_bytes: 1032, service: 'ecr_i' });
    expect(alert.explanation[0].feature).toBe('src_bytes');
    expect(store.findOpenAlert('dos', '10.0.0.1', 60_000)).toBe(first.id);
    expect(store.findOpenAlert('dos', '10.0.0.1', 120_000)).toBeUndefined();
    store.close();
  });

  it('writes a batch atomically: one bad group and none of the batch is stored', () => {
    const store = AlertStore.open(path);
    const bad = group({ sourceKey: null as unknown as string });
    expect(() => store.writeGroups([group({ sourceKey: 'ok' }), bad])).toThrow();
    expect(store.list().alerts).toEqual([]);
    store.close();
  });

  it('pages newest first and filters by class and time', () => {
    const store = AlertStore.open(path);
    for (let i = 0; i < 5; i++) {
      store.writeGroups([
        group({
          class: i % 2 ? 'probe' : 'dos',
          windowStart: i * 60_000,
          firstTime: i * 60_000 + 1,
          lastTime: i * 60_000 + 2,
        }),
      ]);
    }
    const page1 = store.list({ limit: 2 });
    expect(page1.alerts.map((a) => a.id)).toEqual([5, 4]);
    expect(page1.nextBefore).toBe(4);
    const page3 = store.list({ limit: 2, before: 2 });
    expect(page3.alerts.map((a) => a.id)).toEqual([1]);
    expect(page3.nextBefore).toBeNull();
    expect(store.list({ class: 'probe' }).alerts.map((a) => a.id)).toEqual([4, 2]);
    expect(store.list({ since: 120_000 }).alerts.map((a) => a.id)).toEqual([5, 4, 3]);
    expect(store.list({ until: 120_000 }).alerts.map((a) => a.id)).toEqual([2, 1]);
    expect(store.list({ after: 3, limit: 10 }).alerts.map((a) => a.id)).toEqual([4, 5]);
    expect(() => store.list({ limit: 0 })).toThrow(/limit/);
    const buckets = store.countsOverTime(0, 120_000);
    expect(buckets).toEqual([
      { start: 0, counts: { dos: 3, probe: 3 } },
      { start: 120_000, counts: { dos: 3, probe: 3 } },
      { start: 240_000, counts: { dos: 3 } },
    ]);
    expect(store.totals()).toEqual({ dos: { alerts: 3, records: 9 }, probe: { alerts: 2, records: 6 } });
    store.close();
  });

  it('keeps committed alerts across reopening and refuses a newer schema', () => {
    const store = AlertStore.open(path, { synchronous: 'normal' });
    const [{ id }] = store.writeGroups([group()]);
    store.close();
    expect(() => store.list()).toThrow(/closed/);
    const reopened = AlertStore.open(path);
    expect(reopened.get(id)?.count).toBe(3);
    reopened.close();
    const db = new Database(path);
    db.pragma(`user_version = ${ALERT_STORE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => AlertStore.open(path)).toThrow(/newer than this iot-ids understands/);
  });

  it('makes commits durable on request in both modes, and in memory', async () => {
    for (const synchronous of ['full', 'normal'] as const) {
      const store = AlertStore.open(join(dir, `${synchronous}.db`), { synchronous });
      store.writeGroups([group()]);
      await store.durable();
      expect(store.synchronous).toBe(synchronous);
      store.close();
    }
    const memory = AlertStore.open(':memory:');
    memory.writeGroups([group()]);
    await memory.durable();
    expect(memory.list().alerts).toHaveLength(1);
    memory.close();
  });

  it('rejects an unknown synchronous mode', () => {
    expect(() => AlertStore.open(path, { synchronous: 'off' as 'full' })).toThrow(/synchronous/);
  });

  describe('retention', () => {
    it('prunes exactly the alerts whose last record is older than the period, and never reuses ids', () => {
      const store = AlertStore.open(path, { retentionDays: 7, synchronous: 'normal' });
      const cutoff = NOW - 7 * DAY;
      const [old, edge, fresh, longLived] = store.writeGroups([
        aged('old', cutoff - DAY, cutoff - DAY + 1000),
        aged('edge', cutoff - 60_000, cutoff - 1),
        aged('fresh', cutoff, cutoff),
        // Started long ago but its last record is recent: still kept.
        aged('long-lived', cutoff - 3 * DAY, cutoff + 5000),
      ]);
      expect(store.prune(NOW)).toBe(2);
      expect(store.get(old.id)).toBeUndefined();
      expect(store.get(edge.id)).toBeUndefined();
      expect(store.list().alerts.map((a) => a.id)).toEqual([longLived.id, fresh.id]);
      // Summary totals follow what the store holds.
      expect(store.totals()).toEqual({ dos: { alerts: 2, records: 6 } });
      expect(store.prune(NOW)).toBe(0);
      // AUTOINCREMENT: a new alert never takes a pruned id, even the highest one.
      expect(store.prune(NOW + 30 * DAY)).toBe(2);
      const [next] = store.writeGroups([aged('next', NOW, NOW)]);
      expect(next.id).toBeGreaterThan(longLived.id);
      store.close();
    });

    it('never prunes an alert whose aggregation window is still open', () => {
      // A day-long window with a one-day retention: the alert's last record is over a day old, but its
      // window (and so the row the writer keeps adding to) runs until NOW + 1 h.
      const store = AlertStore.open(path, { retentionDays: 1, alertWindowSeconds: 86_400 });
      const windowStart = NOW - DAY + 3_600_000;
      const [open] = store.writeGroups([aged('open', windowStart, windowStart + 1000)]);
      const [closed] = store.writeGroups([aged('closed', windowStart - DAY, windowStart - DAY + 1000)]);
      expect(store.prune(NOW)).toBe(1);
      expect(store.get(closed.id)).toBeUndefined();
      expect(store.get(open.id)?.count).toBe(3);
      expect(store.findOpenAlert('dos', 'open', windowStart)).toBe(open.id);
      // Once the window has ended, it goes like any other.
      expect(store.prune(windowStart + DAY + 2000)).toBe(1);
      store.close();
    });

    it('deletes in batches across more rows than one batch', () => {
      const store = AlertStore.open(path, { retentionDays: 1, synchronous: 'normal' });
      const n = 2 * PRUNE_BATCH_ROWS + 17;
      const old = Array.from({ length: n }, (_, i) => aged(`s${i}`, NOW - 3 * DAY, NOW - 3 * DAY + i));
      store.writeGroups([...old, aged('kept', NOW - 60_000, NOW - 1000)]);
      expect(store.pruneBatch(NOW, 10)).toBe(10);
      expect(store.prune(NOW)).toBe(n - 10);
      expect(store.list().alerts.map((a) => a.sourceKey)).toEqual(['kept']);
      store.close();
    });

    it('removes nothing without a retention period', () => {
      const store = AlertStore.open(path);
      store.writeGroups([aged('ancient', 0, 1000)]);
      expect(store.retentionDays).toBeUndefined();
      expect(store.prune(NOW)).toBe(0);
      expect(store.list().alerts).toHaveLength(1);
      store.close();
    });

    it.each([0, -3, 1.5, Number.NaN])('refuses a retention of %s days as a usage error', (days) => {
      expect(() => AlertStore.open(path, { retentionDays: days })).toThrow(
        expect.objectContaining({ kind: 'usage', message: expect.stringMatching(/whole number of days/) }),
      );
      // Refused before the file is created.
      expect(existsSync(path)).toBe(false);
    });
  });
});
