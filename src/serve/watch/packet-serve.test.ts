import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/until.js';
import type { StoredAlert } from '../../alerts/alert-store.js';
import { writePcap } from '../../traffic/test-helpers/capture-writer.js';
import { startPacketServer, type RunningAlertService } from '../server.js';
import { connectWs } from '../test-helpers/ws-connect.js';
import type { PacketWatchHealth } from '../watch-health.js';
import { packetModelInfo, servePacketWatch } from './packet-serve.js';
import type { PacketModel, RunningPacketWatch } from './packet-watch.js';
import { ATTACKER, labFrames } from './test-helpers/conn-model.js';
import { StdinWithKernelDrops } from './test-helpers/kernel-drops.js';
import { makePacketModel } from './test-helpers/packet-model.js';

// As in packet-watch.test.ts: 340 s of the fixture network with a 150-port SYN scan from second 320, after
// the default warm-up of 300 s (20 packets a second).
const SCAN = { seconds: 340, scanAt: 320, scanPorts: 150 };
const PACKETS = 340 * 2 * 10 + 150 * 2;
const TOKEN = 'packet-watch-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('watch --port with a packet-ae model', () => {
  let dir: string;
  let model: PacketModel;
  let server: RunningAlertService;
  let watch: RunningPacketWatch;
  const input = new PassThrough();
  let sseText = '';
  const sseAbort = new AbortController();
  let sseRead: Promise<void>;
  let ws: Awaited<ReturnType<typeof connectWs>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-packet-serve-'));
    model = await makePacketModel();
    server = await startPacketServer({
      model: packetModelInfo(model, join(dir, 'lab-packets', 'model'), '2026-12-07T00:00:00.000Z'),
      port: 0,
      token: TOKEN,
      store: join(dir, 'alerts.db'),
      storeSynchronous: 'normal',
      rateLimit: false,
    });
    // Live clients subscribe before the capture starts, as the dashboard would.
    const sse = await fetch(`${server.url}/v1/alerts/stream`, { headers: auth, signal: sseAbort.signal });
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    const reader = sse.body!.getReader();
    const decoder = new TextDecoder();
    sseRead = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        sseText += decoder.decode(value);
      }
    })().catch(() => {}); // aborted at the end
    ws = await connectWs(`${server.url}/v1/alerts/ws`, ['iot-ids', `bearer.${TOKEN}`]);
    // A capture on stdin that stays open; its statistics report 5 packets dropped by the kernel.
    watch = servePacketWatch(new StdinWithKernelDrops(input, 5), model, server, { flushMs: 20 });
    input.write(writePcap(labFrames(1_300_000, SCAN)));
    await until(() => watch.totals().packets === PACKETS, 60_000, 20);
    await until(() => sseText.includes(`"sourceKey":"${ATTACKER}"`), 30_000, 20);
  }, 120_000);

  afterAll(async () => {
    input.end();
    await watch?.stop();
    sseAbort.abort();
    await sseRead;
    ws?.ws.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the scan as anomaly alerts on /v1/alerts, SSE and WebSocket, behind the token', async () => {
    expect((await fetch(`${server.url}/v1/alerts`)).status).toBe(401);
    const page = (await (await fetch(`${server.url}/v1/alerts?limit=1000`, { headers: auth })).json()) as {
      alerts: StoredAlert[];
    };
    const attacker = page.alerts.filter((a) => a.sourceKey === ATTACKER);
    expect(attacker.length).toBeGreaterThanOrEqual(1);
    expect(attacker.every((a) => a.class === 'anomaly' && a.model === 'packet-ae@fixture')).toBe(true);
    expect(attacker[0].record).toMatchObject({ src: ATTACKER, proto: 6 });
    // The SSE stream announced the attacker's alert as it was opened (an `alert` event with its id).
    const first = attacker.at(-1)!; // the list is newest first
    expect(sseText).toContain(`id: ${first.id}\nevent: alert\n`);
    const message = (await ws.nextJson(10_000)) as { type: string; data: { class: string } };
    expect(message.type).toBe('alert');
    expect(message.data.class).toBe('anomaly');

    // Every alerting packet is in the store once the pending groups are written (every 20 ms).
    const summaryOf = async () =>
      (await (await fetch(`${server.url}/v1/alerts/summary`, { headers: auth })).json()) as {
        classes: string[];
        totals: Record<string, { records: number }>;
      };
    await until(async () => (await summaryOf()).totals.anomaly?.records === watch.totals().alertingPackets);
    const summary = await summaryOf();
    expect(summary.classes).toEqual(['anomaly']);
    expect(summary.totals.anomaly.records).toBe(watch.totals().alertingPackets);
  });

  it('reports the packet counters in /metrics and the capture health in /v1/capture', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
    const value = (name: string): number => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
      expect(line, name).toBeDefined();
      return Number(line!.split(' ')[1]);
    };
    const totals = watch.totals();
    expect(value('iot_ids_watch_packets_total')).toBe(PACKETS);
    expect(value('iot_ids_watch_packets_scored_total')).toBe(PACKETS);
    expect(value('iot_ids_watch_packets_not_decoded_total')).toBe(0);
    expect(value('iot_ids_watch_kernel_dropped_total')).toBe(5);
    expect(value('iot_ids_watch_capture_running')).toBe(1);
    expect(value('iot_ids_watch_warmup')).toBe(0);
    expect(value('iot_ids_watch_warmup_packets_total')).toBe(300 * 20);
    expect(value('iot_ids_watch_alerting_packets_total')).toBe(totals.alertingPackets);
    expect(value('iot_ids_watch_alert_groups_total')).toBe(totals.alertGroups);
    expect(totals.alertingPackets).toBeGreaterThan(0);
    expect(value('iot_ids_alerts_total{class="anomaly"}')).toBe(totals.alertingPackets);
    expect(value('iot_ids_alerts_created_total{class="anomaly"}')).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/iot_ids_model_info\{kind="packet-ae",/);
    // The flow watch's queue and meter do not exist here.
    expect(metrics).not.toContain('iot_ids_watch_queue_dropped_total');

    expect((await fetch(`${server.url}/v1/capture`)).status).toBe(401);
    const { capture } = (await (await fetch(`${server.url}/v1/capture`, { headers: auth })).json()) as {
      capture: PacketWatchHealth;
    };
    expect(capture).toMatchObject({
      detector: 'packet-ae',
      kind: 'stdin',
      running: true,
      packets: PACKETS,
      kernelDropped: 5,
      packetsScored: PACKETS,
      notDecoded: 0,
      warmingUp: false,
      warmupRemainingSeconds: 0,
      warmupPackets: 300 * 20,
      alertingPackets: totals.alertingPackets,
      threshold: model.detector.threshold,
    });
  });

  it('names the packet model and refuses records and model swaps with a 409 that says why', async () => {
    const model = (await (await fetch(`${server.url}/v1/model`, { headers: auth })).json()) as {
      model: { kind: string; run: string; classes: string[]; thresholds: Record<string, number> };
      input: unknown;
    };
    expect(model.model).toMatchObject({
      kind: 'packet-ae',
      run: 'lab-packets',
      classes: ['normal', 'anomaly'],
    });
    expect(model.input).toBeNull();
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({
      status: 'ready',
      model: 'packet-ae@fixture',
    });
    const detect = await fetch(`${server.url}/v1/detect`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '[{"duration": 0}]',
    });
    expect(detect.status).toBe(409);
    expect(((await detect.json()) as { error: string }).error).toMatch(
      /packet-ae watch: it scores the packets it captures and takes no records/,
    );
    const reload = await fetch(`${server.url}/v1/model/reload`, { method: 'POST', headers: auth });
    expect(reload.status).toBe(409);
    expect(((await reload.json()) as { error: string }).error).toMatch(/restart watch/);
    // Without the token the route is refused before it is reached.
    expect((await fetch(`${server.url}/v1/detect`, { method: 'POST' })).status).toBe(401);
  });
});
