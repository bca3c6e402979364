import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAlertRetention } from './alert-retention.js';
import { AlertStore } from './alert-store.js';
import { alertAt } from './test-helpers/alert-at.js';
import { until } from '../../test/until.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);

describe('startAlertRetention', () => {
  let dir: string;
  let store: AlertStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-retention-'));
    store = AlertStore.open(join(dir, 'alerts.db'), { retentionDays: 2, synchronous: 'normal' });
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prunes at start in small batches, yielding to the event loop between them, and reports each', async () => {
    store.writeGroups([
      ...Array.from({ length: 25 }, (_, i) => alertAt(`old${i}`, NOW - 3 * DAY + i)),
      alertAt('recent', NOW - DAY),
    ]);
    const pruned: number[] = [];
    const logs: string[] = [];
    // Counts event-loop turns other work gets while the run is going on.
    let turns = 0;
    let done = false;
    const turn = (): void => {
      turns++;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    const retention = startAlertRetention(store, {
      batchRows: 10,
      now: () => NOW,
      log: (m) => logs.push(m),
      onPruned: (n) => pruned.push(n),
    });
    expect(await retention.runNow()).toBe(25);
    done = true;
    await retention.stop();
    expect(pruned).toEqual([10, 10, 5]);
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(logs).toEqual(['alert retention: removed 25 alerts older than 2 days']);
    expect(store.list().alerts.map((a) => a.sourceKey)).toEqual(['recent']);
  });

  it('runs again every interval until stopped, logging only runs that removed something', async () => {
    let now = NOW;
    const logs: string[] = [];
    let total = 0;
    const retention = startAlertRetention(store, {
      intervalMs: 20,
      now: () => now,
      log: (m) => logs.push(m),
      onPruned: (n) => (total += n),
    });
    await until(() => logs.length === 1);
    expect(logs[0]).toMatch(/removed 0 alerts/);
    store.writeGroups([alertAt('a', NOW - DAY), alertAt('b', NOW)]);
    now = NOW + 1.5 * DAY;
    await until(() => total === 1);
    expect(store.list().alerts.map((a) => a.sourceKey)).toEqual(['b']);
    await retention.stop();
    now = NOW + 10 * DAY;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(store.list().alerts).toHaveLength(1);
    expect(logs).toHaveLength(2);
  });

  it('logs a failed run (the file locked by another writer) and succeeds at the next tick', async () => {
    const path = join(dir, 'shared.db');
    const shared = AlertStore.open(path, { retentionDays: 1, busyTimeoutMs: 20 });
    shared.writeGroups([alertAt('old', NOW - 2 * DAY)]);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const logs: string[] = [];
    const retention = startAlertRetention(shared, {
      intervalMs: 30,
      now: () => NOW,
      log: (m) => logs.push(m),
    });
    await until(() => logs.some((m) => m.startsWith('alert retention failed')));
    expect(shared.get(1)).toBeDefined();
    other.exec('COMMIT');
    other.close();
    await until(() => logs.some((m) => m.includes('removed 1 alerts')));
    expect(shared.get(1)).toBeUndefined();
    await retention.stop();
    shared.close();
  });
});
