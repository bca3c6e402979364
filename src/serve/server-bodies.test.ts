import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTrafficModel, trafficRecords } from '../detection/test-helpers/traffic-model.js';
import { eveFlowLine, zeekJsonLine } from '../traffic/test-helpers/log-lines.js';
import { startServer, type RunningServer } from './server.js';
import { postRecords, startTinyServer, type TinyServer } from './test-helpers/tiny-server.js';

let tiny: TinyServer;
let dir: string;
let traffic: RunningServer;
beforeAll(async () => {
  tiny = await startTinyServer({ rateLimit: false });
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-serve-bodies-'));
  traffic = await startServer({
    modelDir: await makeTrafficModel(dir, 'kdd-traffic'),
    host: '127.0.0.1',
    port: 0,
    store: join(dir, 'alerts.db'),
    storeSynchronous: 'normal',
    rateLimit: false,
  });
});
afterAll(async () => {
  await traffic.close();
  await tiny.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('POST /v1/detect with CSV and flow-log bodies (through the decoder thread)', () => {
  it('scores text/csv lines with and without a header, answering with each record’s line', async () => {
    const lines = ['1,tcp,5,0.5', '2,udp,15,0.1', '3,icmp,25,0.9'];
    for (const body of [lines.join('\n'), `duration,proto,signal,noise\n${lines.join('\n')}\n`]) {
      const { status, body: answer } = await postRecords(tiny.url, body, { 'content-type': 'text/csv' });
      expect(status).toBe(200);
      expect(answer.records).toBe(3);
      expect(answer.predictions.map((p) => p.label)).toEqual(['normal', 'dos', 'probe']);
      const first = body.startsWith('duration') ? 2 : 1;
      expect(answer.predictions.map((p) => p.line)).toEqual([first, first + 1, first + 2]);
      expect(answer.predictions[1].alertId).toBeGreaterThan(0);
    }
  });

  it('refuses a CSV body with a bad line with 400, naming line and field, and scores nothing', async () => {
    const { status, body } = await postRecords(tiny.url, '1,tcp,5,0.5\n2,udp,oops,0.1\n', {
      'content-type': 'text/csv',
    });
    expect(status).toBe(400);
    expect(body.error).toBe('1 of 2 lines are invalid; nothing was scored');
    expect(body.errors).toEqual([expect.objectContaining({ index: 1, line: 2, field: 'signal' }) as unknown]);
  });

  it('scores Zeek JSON and eve.json connections with a traffic model, counting skipped lines', async () => {
    const records = trafficRecords(8, 1_700_100_000);
    const zeek = await postRecords(traffic.url, records.map(zeekJsonLine).join('\n'), {
      'content-type': 'application/x-zeek-json',
    });
    expect(zeek.status).toBe(200);
    expect(zeek.body.records).toBe(8);
    // The traffic model learned scans (S0 to tcp/23) as attacks and web exchanges as normal.
    expect(zeek.body.predictions.map((p) => p.label)).toEqual(
      records.map((_, i) => (i % 2 === 1 ? 'attack' : 'normal')),
    );
    expect(zeek.body.skipped).toEqual({ total: 0, reasons: {}, examples: {} });
    const stats = JSON.stringify({ event_type: 'stats', timestamp: '2026-01-01T00:00:00+0000' });
    const eveBody = [stats, ...records.map(eveFlowLine)].join('\n');
    const eve = await postRecords(traffic.url, eveBody, { 'content-type': 'application/x-eve-json' });
    expect(eve.status).toBe(200);
    expect(eve.body.records).toBe(8);
    expect(eve.body.predictions[0].line).toBe(2);
    expect(eve.body.skipped).toMatchObject({ total: 1, reasons: { 'event_type "stats" (not a flow)': 1 } });
    // Alerts are aggregated per originator: the scanning host.
    const alerts = (await (await fetch(`${traffic.url}/v1/alerts`)).json()) as {
      alerts: { sourceKey: string }[];
    };
    expect(new Set(alerts.alerts.map((a) => a.sourceKey))).toEqual(new Set(['10.0.0.66']));
  });

  it('refuses flow logs for a model of dataset columns, and a mismatched ?features=, with 422 naming both', async () => {
    const body = trafficRecords(2).map(zeekJsonLine).join('\n');
    const refused = await postRecords(tiny.url, body, { 'content-type': 'application/x-zeek-json' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(
      /dataset "tiny", not on a traffic feature set \(conn or kdd-traffic\)/,
    );
    const res = await fetch(`${traffic.url}/v1/detect?features=conn`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-zeek-json' },
      body,
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toBe(
      'the served model expects "kdd-traffic" features but the request asks for "conn" features',
    );
  });
});
