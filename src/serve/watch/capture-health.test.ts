import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/until.js';
import { writePcap } from '../../traffic/test-helpers/capture-writer.js';
import { StdinPcapSource } from '../../traffic/live/stdin-source.js';
import { startServer, type RunningServer } from '../server.js';
import type { WatchHealth } from '../watch-health.js';
import { labFrames, makeConnModel } from './test-helpers/conn-model.js';
import { StdinWithKernelDrops } from './test-helpers/kernel-drops.js';
import { startWatch } from './watch.js';

/** 40 s of client traffic (2 × 10 packets a second) and a 40-port scan (2 packets a port). */
const PACKETS = 40 * 2 * 10 + 40 * 2;
let dir: string;
let modelDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-capture-health-'));
  modelDir = await makeConnModel(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function server(name: string, token?: string): Promise<RunningServer> {
  return startServer({
    modelDir,
    port: 0,
    store: join(dir, `${name}.db`),
    storeSynchronous: 'normal',
    rateLimit: false,
    token,
  });
}

async function capture(url: string, headers: Record<string, string> = {}): Promise<WatchHealth | null> {
  const res = await fetch(`${url}/v1/capture`, { headers });
  expect(res.status).toBe(200);
  return ((await res.json()) as { capture: WatchHealth | null }).capture;
}

describe('GET /v1/capture', () => {
  it('says there is no capture under serve, and needs the token like the rest of the API', async () => {
    const token = 'capture-health-token-0123';
    const running = await server('serve', token);
    try {
      expect((await fetch(`${running.url}/v1/capture`)).status).toBe(401);
      expect(await capture(running.url, { authorization: `Bearer ${token}` })).toBeNull();
    } finally {
      await running.close();
    }
  });

  it("reports watch's packets, kernel and queue drops, open connections and scoring lag while it runs", async () => {
    const input = new PassThrough();
    const running = await server('watch');
    const watch = startWatch(new StdinWithKernelDrops(input, 17), running, { interimSeconds: 1 });
    try {
      // The stream stays open, as a capture's. Over 64 KiB: the reader tells the format from that much.
      input.write(writePcap(labFrames(6_000_000, { seconds: 40, scanAt: 0.5, scanPorts: 40 })));
      await until(async () => ((await capture(running.url))?.packets ?? 0) === PACKETS, 20_000, 20);
      await until(() => watch.totals().recordsScored > 0, 20_000, 20);
      const health = (await capture(running.url))!;
      expect(health).toMatchObject({
        kind: 'stdin',
        running: true,
        restarts: 0,
        lastError: null,
        packets: PACKETS,
        kernelDropped: 17,
        queueDropped: 0,
      });
      expect(health.recordsScored).toBe(watch.totals().recordsScored);
      // The latest connections are still within their timeouts: the stream has not ended.
      expect(health.openConnections).toBeGreaterThan(0);
      expect(health.scoringLag.batches).toBeGreaterThan(0);
      expect(health.scoringLag.lastSeconds).toBeGreaterThan(0);
      expect(health.scoringLag.meanSeconds).toBeGreaterThan(0);
      // The same figures as /metrics.
      const metrics = await (await fetch(`${running.url}/metrics`)).text();
      expect(metrics).toContain(`iot_ids_watch_packets_total ${PACKETS}\n`);
      expect(metrics).toMatch(/iot_ids_watch_kernel_dropped_total 17/);

      input.end();
      const totals = await watch.done;
      const ended = (await capture(running.url))!;
      expect(ended.running).toBe(false);
      expect(ended.packets).toBe(totals.packets);
      expect(ended.recordsScored).toBe(totals.recordsScored);
      // Every connection was flushed when the stream ended.
      expect(ended.openConnections).toBe(0);
    } finally {
      await watch.stop();
      await running.close();
    }
  });

  it('counts the records its bounded queue dropped', async () => {
    const input = new PassThrough();
    const running = await server('bounded');
    // Interim records come out while the capture is read (the end-of-input flush waits for room instead).
    const watch = startWatch(new StdinPcapSource(input), running, {
      maxQueuedRecords: 1,
      interimSeconds: 0.5,
    });
    try {
      input.end(writePcap(labFrames(7_000_000, { seconds: 2, scanAt: 0.5, scanPorts: 40 })));
      const totals = await watch.done;
      expect(totals.recordsDropped).toBeGreaterThan(0);
      const health = (await capture(running.url))!;
      expect(health.queueDropped).toBe(totals.recordsDropped);
      expect(health.recordsScored + health.queueDropped).toBe(totals.records);
    } finally {
      await running.close();
    }
  });
});
