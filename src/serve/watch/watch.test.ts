import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../alerts/alert-hub.js';
import { AlertStore } from '../../alerts/alert-store.js';
import { writePcap } from '../../traffic/test-helpers/capture-writer.js';
import { udpFrame } from '../../traffic/test-helpers/frames.js';
import { ReplayPcapSource } from '../../traffic/live/replay-source.js';
import { StdinPcapSource } from '../../traffic/live/stdin-source.js';
import { startServer, type RunningServer } from '../server.js';
import { loadZeroDay } from '../../models/zero-day/zero-day-dir.js';
import { ATTACKER, labFrames, makeConnModel, makeZeroDay } from './test-helpers/conn-model.js';
import { ZeroDayAlerts } from './zero-day-alerts.js';
import { startWatch } from './watch.js';

const repo = join(import.meta.dirname, '../../..');
let dir: string;
let modelDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-watch-'));
  modelDir = await makeConnModel(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function server(store: string): Promise<RunningServer> {
  return startServer({ modelDir, port: 0, store, storeSynchronous: 'normal', rateLimit: false });
}

function alertsIn(path: string) {
  const store = AlertStore.open(path);
  try {
    return store.list({}).alerts;
  } finally {
    store.close();
  }
}

describe('watch', () => {
  it('replays a pcap at its pace, and the scan raises an alert that lands in the store and the metrics', async () => {
    const pcap = join(dir, 'scan.pcap');
    // 4 s of traffic with a scan from second 1, replayed 4× faster: about a second.
    await writeFile(pcap, writePcap(labFrames(2_000_000, { seconds: 4, scanAt: 1, scanPorts: 60 })));
    const storePath = join(dir, 'replay.db');
    const running = await server(storePath);
    const watch = startWatch(new ReplayPcapSource(pcap, 4), running, { interimSeconds: 1 });
    const totals = await watch.done;
    const metrics = await running.metrics.registry.metrics();
    await running.close();
    expect(totals.streamErrors).toBe(0);
    expect(totals.packets).toBe(4 * 2 * 10 + 60 * 2);
    expect(totals.recordsDropped).toBe(0);
    expect(totals.alertingRecords).toBeGreaterThan(0);
    const alerts = alertsIn(storePath);
    expect(alerts.some((a) => a.class === 'probe' && a.sourceKey === ATTACKER)).toBe(true);
    expect(alerts.every((a) => a.sourceKey === ATTACKER)).toBe(true);
    expect(metrics).toMatch(/iot_ids_watch_packets_total \d+/);
    // The lag histograms count records, not batches: every scored record once, every alerting one once more.
    const count = (name: string) => Number(new RegExp(`^${name}_count (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(count('iot_ids_watch_scoring_lag_seconds')).toBe(totals.recordsScored);
    expect(count('iot_ids_watch_alert_lag_seconds')).toBe(totals.alertingRecords);
    expect(totals.recordsScored).toBeGreaterThan(count('iot_ids_batch_records'));
  });

  it('reads its health live, between records: packets and open connections of a quiet UDP stream', async () => {
    // Long-lived UDP conversations: no connection ends and interim records are off, so no record is emitted
    // while the packets arrive — the health must still count them.
    const frames = Array.from({ length: 30 }, (_, i) => ({
      ts: 4_000_000 + i * 0.01,
      bytes: udpFrame({ src: '10.0.0.21', dst: '10.0.0.10', sport: 40000 + (i % 3), dport: 53, payload: 20 }),
    }));
    const input = new PassThrough();
    const running = await server(join(dir, 'health.db'));
    const watch = startWatch(new StdinPcapSource(input), running, { interimSeconds: 0 });
    input.write(writePcap(frames));
    let metrics = '';
    for (let i = 0; i < 200 && !/iot_ids_watch_packets_total 30\b/.test(metrics); i++) {
      await new Promise((r) => setTimeout(r, 25));
      metrics = await running.metrics.registry.metrics();
    }
    expect(metrics).toMatch(/iot_ids_watch_packets_total 30\b/);
    expect(metrics).toMatch(/iot_ids_watch_open_connections 3\b/);
    expect(watch.totals().records).toBe(0);
    input.end();
    const totals = await watch.done;
    await running.close();
    expect(totals.packets).toBe(30);
    expect(totals.records).toBe(3);
  });
  it('with the zero-day detector attached, adds anomaly alerts for records the classifier calls normal', async () => {
    await makeZeroDay(modelDir, 0.6);
    const zeroDay = await loadZeroDay(modelDir);
    const storePath = join(dir, 'zero-day.db');
    const running = await server(storePath);
    const zeroDayStore = AlertStore.open(storePath, { synchronous: 'normal' });
    // What live clients (SSE, WebSockets, forwarders) are sent: the anomaly alerts must be among them.
    const live: LiveEvent[] = [];
    running.hub.subscribe((event) => void live.push(event));
    const input = new PassThrough();
    const watch = startWatch(new StdinPcapSource(input), running, {
      interimSeconds: 0,
      zeroDay: new ZeroDayAlerts(zeroDay, running.slot, zeroDayStore, {
        hub: running.hub,
        metrics: running.metrics,
      }),
    });
    input.end(writePcap(labFrames(6_000_000, { seconds: 6, scanAt: 1, scanPorts: 40 })));
    const totals = await watch.done;
    await running.close();
    zeroDayStore.close();
    const threshold = zeroDay.threshold;
    zeroDay.dispose();
    const alerts = alertsIn(storePath);
    const anomalies = alerts.filter((a) => a.class === 'anomaly');
    // The threshold flags about 60 % of normal records: some of the clients' connections alert as anomalies,
    // and every one of them is in the store; the attacker's probes keep the classifier's verdict.
    expect(totals.anomalyRecords).toBeGreaterThan(0);
    expect(anomalies.reduce((n, a) => n + a.count, 0)).toBe(totals.anomalyRecords);
    expect(anomalies.every((a) => a.sourceKey !== ATTACKER && a.model.startsWith('zero-day@'))).toBe(true);
    expect(anomalies[0].record).toMatchObject({ threshold });
    expect(alerts.some((a) => a.class === 'probe' && a.sourceKey === ATTACKER)).toBe(true);
    expect(totals.alertingRecords).toBe(alerts.reduce((n, a) => n + a.count, 0));
    const liveAnomalies = live.filter((e) => e.type === 'alert' && e.data.class === 'anomaly');
    expect(liveAnomalies.map((e) => e.data.id).sort()).toEqual(anomalies.map((a) => a.id).sort());
    // The service's counters count them as they count the classifier's alerts.
    const counted = async (counter: typeof running.metrics.alertsCreated) =>
      (await counter.get()).values.find((v) => v.labels.class === 'anomaly')?.value;
    expect(await counted(running.metrics.alertsCreated)).toBe(anomalies.length);
    expect(await counted(running.metrics.alertRecords)).toBe(totals.anomalyRecords);

    // The same through the CLI: `--zero-day` takes the model's own detector; stdin ends the watch.
    const cliStore = join(dir, 'zero-day-cli.db');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'test/run-cli.ts'),
        'watch',
        '--input',
        '-',
        '--model-dir',
        modelDir,
        '--store',
        cliStore,
        '--interim',
        '0',
        '--zero-day',
      ],
      { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.end(writePcap(labFrames(6_000_000, { seconds: 6, scanAt: 1, scanPorts: 40 })));
    expect(await exited, stderr).toBe(0);
    const anomalyCount = Number(/\((\d+) of them zero-day anomalies\)/.exec(stderr)?.[1]);
    expect(anomalyCount).toBe(totals.anomalyRecords);
    const cliAnomalies = alertsIn(cliStore).filter((a) => a.class === 'anomaly');
    expect(cliAnomalies.reduce((n, a) => n + a.count, 0)).toBe(anomalyCount);
  }, 60_000);

  it('takes a zero-day threshold given instead of the saved one, and refuses one that is not positive', async () => {
    await makeZeroDay(modelDir, 0.6);
    const zeroDay = await loadZeroDay(modelDir);
    const storePath = join(dir, 'zero-day-threshold.db');
    const running = await server(storePath);
    const zeroDayStore = AlertStore.open(storePath, { synchronous: 'normal' });
    expect(() => new ZeroDayAlerts(zeroDay, running.slot, zeroDayStore, { threshold: 0 })).toThrow(
      /zero-day threshold must be a positive number/,
    );
    const input = new PassThrough();
    const watch = startWatch(new StdinPcapSource(input), running, {
      interimSeconds: 0,
      zeroDay: new ZeroDayAlerts(zeroDay, running.slot, zeroDayStore, { threshold: 1e30 }),
    });
    input.end(writePcap(labFrames(6_000_000, { seconds: 6, scanAt: 1, scanPorts: 40 })));
    const totals = await watch.done;
    await running.close();
    zeroDayStore.close();
    zeroDay.dispose();
    // The saved threshold flags about 60 % of normal records (previous test); this one none.
    expect(totals.anomalyRecords).toBe(0);
    expect(alertsIn(storePath).some((a) => a.class === 'probe' && a.sourceKey === ATTACKER)).toBe(true);
  });

  it('reports a stdin stream cut mid-packet, keeps what came before, and does not crash', async () => {
    const bytes = writePcap(labFrames(3_000_000, { seconds: 2, scanAt: 0.5, scanPorts: 40 }));
    const input = new PassThrough();
    const storePath = join(dir, 'cut.db');
    const running = await server(storePath);
    const messages: string[] = [];
    const watch = startWatch(new StdinPcapSource(input), running, { log: (m) => messages.push(m) });
    // Header, the packets, and half of a last record header.
    input.write(bytes);
    input.end(Buffer.from([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70]));
    const totals = await watch.done;
    await running.close();
    // Every whole packet, plus the cut one, which is counted and reported as skipped.
    expect(totals.packets).toBe(2 * 2 * 10 + 40 * 2 + 1);
    expect(totals.streamErrors).toBe(0);
    expect(messages.join('\n')).toMatch(/capture stream 0: packets not metered: truncated record header ×1/);
    expect(alertsIn(storePath).some((a) => a.sourceKey === ATTACKER)).toBe(true);
  });

  it('drops whole batches beyond its bounded queue while packets arrive, and counts them', async () => {
    // Interim records every 0.5 s come out while the capture is read: batches of many records against a
    // queue of one.
    const bytes = writePcap(labFrames(4_000_000, { seconds: 2, scanAt: 0.5, scanPorts: 40 }));
    const input = new PassThrough();
    const running = await server(join(dir, 'bounded.db'));
    const watch = startWatch(new StdinPcapSource(input), running, {
      maxQueuedRecords: 1,
      interimSeconds: 0.5,
    });
    input.end(bytes);
    const totals = await watch.done;
    await running.close();
    expect(totals.records).toBeGreaterThan(1);
    expect(totals.recordsDropped).toBeGreaterThan(0);
    expect(totals.recordsScored + totals.recordsDropped).toBe(totals.records);
  });

  it('scores the whole end-of-input flush of open connections, waiting for queue room instead of dropping', async () => {
    // 5,000 one-datagram UDP connections, all still open when the input ends: the flush is one batch, scored
    // in chunks of 4,096 and 904 records against a queue of 4,100 — the second chunk waits for the first.
    const frames = Array.from({ length: 5000 }, (_, i) => ({
      ts: 4_500_000 + i * 0.0001,
      bytes: udpFrame({ src: '10.0.0.21', dst: '10.0.0.10', sport: 10000 + i, dport: 53, payload: 20 }),
    }));
    const input = new PassThrough();
    const running = await server(join(dir, 'flush.db'));
    const watch = startWatch(new StdinPcapSource(input), running, {
      maxQueuedRecords: 4100,
      interimSeconds: 0,
    });
    input.end(writePcap(frames));
    const totals = await watch.done;
    await running.close();
    expect(totals.records).toBe(5000);
    expect(totals.recordsDropped).toBe(0);
    expect(totals.recordsScored).toBe(5000);
  });

  it('on SIGTERM, flushes the open connections, stores their alerts and exits 0', async () => {
    // The scan's probes are still open (their RSTs wait out the close delay) when the signal comes.
    const bytes = writePcap(labFrames(5_000_000, { seconds: 1, scanAt: 0.2, scanPorts: 30 }));
    const storePath = join(dir, 'sigterm.db');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'test/run-cli.ts'),
        'watch',
        '--input',
        '-',
        '--model-dir',
        modelDir,
        '--store',
        storePath,
        '--interim',
        '0',
      ],
      { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.write(bytes);
    // stdin stays open, as a live capture does: only the signal ends the watch.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (stderr.includes('iot-ids watching')) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      child.once('exit', () => {
        clearInterval(timer);
        reject(new Error(`watch exited early: ${stderr}`));
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/watch ended: 80 packets/);
    expect(alertsIn(storePath).some((a) => a.class === 'probe' && a.sourceKey === ATTACKER)).toBe(true);
  }, 60_000);
});
