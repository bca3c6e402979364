import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALERT_STORE_SCHEMA_VERSION, AlertStore, type AlertGroupWrite } from './alert-store.js';

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
});
