import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore, type AlertGroupWrite } from '../alerts/alert-store.js';
import { startServer, type RunningServer } from './server.js';
import { makeTinyModel } from '../detection/test-helpers/tiny-model.js';
import { alertAt } from '../alerts/test-helpers/alert-at.js';
import { until } from '../../test/until.js';

const DAY = 86_400_000;

/** Writes alerts through a connection of its own, as another process sharing the file would. */
function writeAlerts(storePath: string, groups: AlertGroupWrite[]): void {
  const store = AlertStore.open(storePath, { synchronous: 'normal' });
  store.writeGroups(groups);
  store.close();
}

async function metricValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function sourceKeys(url: string): Promise<string[]> {
  const page = (await (await fetch(`${url}/v1/alerts`)).json()) as { alerts: { sourceKey: string }[] };
  return page.alerts.map((a) => a.sourceKey).sort();
}

describe('alert retention in the service', () => {
  let dir: string;
  let modelDir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-serve-retention-'));
    ({ modelDir } = await makeTinyModel(dir));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prunes at start and on its timer, counts what it removed, and stops on close', async () => {
    const storePath = join(dir, 'alerts.db');
    const now = Date.now();
    writeAlerts(storePath, [alertAt('expired', now - 3 * DAY, 4), alertAt('kept', now - DAY, 4)]);
    const logs: string[] = [];
    let server: RunningServer | undefined;
    try {
      server = await startServer({
        modelDir,
        port: 0,
        store: storePath,
        storeSynchronous: 'normal',
        retentionDays: 2,
        pruneIntervalMs: 50,
        log: (m) => logs.push(m),
      });
      const url = server.url;
      await until(async () => (await metricValue(url, 'iot_ids_alerts_pruned_total')) === 1);
      expect(await sourceKeys(url)).toEqual(['kept']);
      expect(logs).toContain('alert retention: removed 1 alerts older than 2 days');

      // Written after start: only the hourly (here 50 ms) timer can remove it.
      writeAlerts(storePath, [alertAt('expired-later', Date.now() - 5 * DAY, 4)]);
      await until(async () => (await metricValue(url, 'iot_ids_alerts_pruned_total')) === 2);
      expect(await sourceKeys(url)).toEqual(['kept']);
    } finally {
      await server?.close();
    }
    // Closed: the timer is gone, so an expired alert written now stays.
    writeAlerts(storePath, [alertAt('after-close', Date.now() - 5 * DAY, 4)]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const store = AlertStore.open(storePath, { synchronous: 'normal' });
    expect(store.list().alerts.map((a) => a.sourceKey)).toContain('after-close');
    store.close();
  });

  it('keeps every alert without a retention period', async () => {
    const storePath = join(dir, 'forever.db');
    writeAlerts(storePath, [alertAt('ancient', Date.now() - 400 * DAY, 4)]);
    const server = await startServer({ modelDir, port: 0, store: storePath, storeSynchronous: 'normal' });
    try {
      expect(await metricValue(server.url, 'iot_ids_alerts_pruned_total')).toBe(0);
      expect(await sourceKeys(server.url)).toEqual(['ancient']);
    } finally {
      await server.close();
    }
  });

  it.each([0, -1, 2.5])('refuses retentionDays %s as a usage error', async (retentionDays) => {
    await expect(
      startServer({ modelDir, port: 0, store: join(dir, 'bad.db'), retentionDays }),
    ).rejects.toMatchObject({ kind: 'usage', message: expect.stringMatching(/whole number of days/) });
  });
});
