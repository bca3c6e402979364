import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/until.js';
import { AlertStore } from '../../alerts/alert-store.js';
import { ReplayPcapSource } from '../../traffic/live/replay-source.js';
import { StdinPcapSource } from '../../traffic/live/stdin-source.js';
import { writePcap } from '../../traffic/test-helpers/capture-writer.js';
import { startPacketWatch } from './packet-watch.js';
import { ATTACKER, labFrames } from './test-helpers/conn-model.js';
import { makePacketModel } from './test-helpers/packet-model.js';

const repo = join(import.meta.dirname, '../../..');
let dir: string;
let modelDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-packet-watch-'));
  modelDir = join(dir, 'model');
  await makePacketModel(modelDir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function storedAlerts(path: string) {
  const store = AlertStore.open(path);
  try {
    return store.list({ limit: 1000 }).alerts;
  } finally {
    store.close();
  }
}

// 340 s of the fixture network after the training capture, with a 150-port SYN scan from second 320 (after
// the watch's default warm-up of 300 s).
const SCAN = { seconds: 340, scanAt: 320, scanPorts: 150 };
const PACKETS = 340 * 2 * 10 + 150 * 2;

describe('watch with a packet-ae model', () => {
  it('scores every packet of a stdin stream and stores the scan as anomaly alerts of the attacker', async () => {
    const model = await makePacketModel();
    const storePath = join(dir, 'stdin.db');
    const store = AlertStore.open(storePath, { synchronous: 'normal' });
    const input = new PassThrough();
    const verdicts = new Map<string, { packets: number; alerts: number }>();
    const watch = startPacketWatch(new StdinPcapSource(input), model, store, {
      onScore: (p, score, alert) => {
        expect(Number.isFinite(score)).toBe(true);
        const v = verdicts.get(p.srcIp) ?? { packets: 0, alerts: 0 };
        v.packets++;
        if (alert) v.alerts++;
        verdicts.set(p.srcIp, v);
      },
    });
    input.end(writePcap(labFrames(1_300_000, SCAN)));
    const totals = await watch.done;
    store.close();
    expect(totals.packets).toBe(PACKETS);
    expect(totals.skipped).toBe(0);
    expect(totals.streamErrors).toBe(0);
    // Warm-up: the first 300 s of packets (20 a second) raise nothing.
    expect(totals.warmupPackets).toBe(300 * 20);
    // After the warm-up the attacker's probes alert; the clients, whose traffic the model learned, do not.
    const attacker = verdicts.get(ATTACKER)!;
    expect(attacker.alerts / attacker.packets).toBeGreaterThan(0.5);
    const clientPackets = [...verdicts].filter(([ip]) => ip.startsWith('10.0.0.2'));
    const clientAlerts = clientPackets.reduce((n, [, v]) => n + v.alerts, 0);
    expect(clientAlerts / clientPackets.reduce((n, [, v]) => n + v.packets, 0)).toBeLessThan(0.05);
    const alerts = storedAlerts(storePath);
    const attackerAlerts = alerts.filter((a) => a.sourceKey === ATTACKER);
    expect(attackerAlerts.length).toBeGreaterThanOrEqual(1);
    expect(attackerAlerts.every((a) => a.class === 'anomaly' && a.model === 'packet-ae@fixture')).toBe(true);
    // Every alerting packet is in the store, folded per source and window.
    expect(alerts.reduce((n, a) => n + a.count, 0)).toBe(totals.alertingPackets);
    expect(attackerAlerts.reduce((n, a) => n + a.count, 0)).toBe(attacker.alerts);
    expect(attackerAlerts[0].record).toMatchObject({ src: ATTACKER, proto: 6 });
  });

  it('holds a source until --min-alerting of its packets are over the threshold, and takes a threshold given', async () => {
    const run = async (name: string, options: { minAlerting?: number; threshold?: number }) => {
      const store = AlertStore.open(join(dir, `${name}.db`), { synchronous: 'normal' });
      const input = new PassThrough();
      const watch = startPacketWatch(new StdinPcapSource(input), await makePacketModel(), store, options);
      input.end(writePcap(labFrames(1_300_000, SCAN)));
      const totals = await watch.done;
      store.close();
      return { totals, alerts: storedAlerts(join(dir, `${name}.db`)) };
    };
    // More than any source's alerting packets: every one is counted, none becomes an alert.
    const held = await run('held', { minAlerting: 10_000 });
    expect(held.totals.alertingPackets).toBeGreaterThan(100);
    expect(held.alerts).toEqual([]);
    // 5 of a window: the scan (≈ 300 alerting packets) still alerts, with the held packets in its count.
    const five = await run('five', { minAlerting: 5 });
    expect(five.totals.alertingPackets).toBe(held.totals.alertingPackets);
    const scan = five.alerts.filter((a) => a.sourceKey === ATTACKER);
    expect(scan.length).toBeGreaterThanOrEqual(1);
    // Each stored alert opened with a source's 5th packet of a window, which brought the 4 held with it.
    expect(five.alerts.every((a) => a.count >= 5)).toBe(true);
    expect(five.alerts.reduce((n, a) => n + a.count, 0)).toBeLessThanOrEqual(five.totals.alertingPackets);
    // A threshold no score reaches: nothing alerts.
    const high = await run('high', { threshold: 1e12 });
    expect(high.totals.alertingPackets).toBe(0);
    expect(high.alerts).toEqual([]);
    await expect(run('bad', { threshold: -1 })).rejects.toThrow(/threshold must be a positive number/);
  });

  it('replays a capture at its pace and reports alerts as they become durable, during the scan', async () => {
    const model = await makePacketModel();
    const pcap = join(dir, 'scan.pcap');
    // 4 s with the scan from second 1, replayed 4× faster: about a second of wall time; no warm-up (the
    // clients alert too, from cold statistics: this test is about when alerts become durable).
    await writeFile(pcap, writePcap(labFrames(1_400_000, { seconds: 4, scanAt: 1, scanPorts: 60 })));
    const store = AlertStore.open(join(dir, 'replay.db'), { synchronous: 'normal' });
    let lastScoredAt = 0;
    const stored: { source: string; at: number }[] = [];
    const watch = startPacketWatch(new ReplayPcapSource(pcap, 4), model, store, {
      warmupSeconds: 0,
      flushMs: 20,
      onScore: () => (lastScoredAt = Date.now()),
      onStored: (groups, at) => stored.push(...groups.map((g) => ({ source: g.sourceKey, at }))),
    });
    const totals = await watch.done;
    store.close();
    expect(totals.packets).toBe(4 * 2 * 10 + 60 * 2);
    const first = stored.find((s) => s.source === ATTACKER);
    expect(first).toBeDefined();
    // Durable while the replay was still reading the capture (the last packets come 750 ms of wall time after
    // the scan's first), not only once the input ended: an ordering, not a timing claim.
    expect(first!.at).toBeLessThan(lastScoredAt);
    expect(stored.filter((s) => s.source === ATTACKER).length).toBeGreaterThan(1);
  });

  it('runs as `iot-ids watch --input - --model-dir <packet-ae dir>` and refuses flow-only options', async () => {
    const storePath = join(dir, 'cli.db');
    const run = (args: string[], input?: Buffer) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'test/run-cli.ts'), ...args], {
          cwd: repo,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('exit', (code) => resolve({ code, stderr }));
        child.stdin.end(input ?? Buffer.alloc(0));
      });
    const ok = await run(
      ['watch', '--input', '-', '--model-dir', modelDir, '--store', storePath],
      writePcap(labFrames(1_300_000, SCAN)),
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/\(packet-ae\)/);
    expect(ok.stderr).toMatch(new RegExp(`watch ended: ${PACKETS} packets scored`));
    expect(storedAlerts(storePath).some((a) => a.sourceKey === ATTACKER && a.class === 'anomaly')).toBe(true);
    const refused = await run(['watch', '--input', '-', '--model-dir', modelDir, '--thresholds', 'x.json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--thresholds: not with a packet-ae model/);
    const heldPath = join(dir, 'cli-held.db');
    const held = await run(
      [
        ...['watch', '--input', '-', '--model-dir', modelDir, '--store', heldPath],
        ...['--false-alarm-rate', '1e-4', '--min-alerting', '10000'],
      ],
      writePcap(labFrames(1_300_000, SCAN)),
    );
    expect(held.code, held.stderr).toBe(0);
    expect(storedAlerts(heldPath)).toEqual([]);
    const badRate = await run(['watch', '--input', '-', '--model-dir', modelDir, '--false-alarm-rate', '2']);
    expect(badRate.code).not.toBe(0);
    expect(badRate.stderr).toMatch(/--false-alarm-rate must be below 1/);
  }, 60_000);

  it('serves the alert API and capture health with `--port`, from the same process', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'test/run-cli.ts'),
        ...['watch', '--input', '-', '--model-dir', modelDir, '--store', join(dir, 'port.db'), '--port', '0'],
      ],
      { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await until(
        () => /API and dashboard at (http:\S+)\//.test(stderr) || child.exitCode !== null,
        30_000,
        20,
      );
      const url = /API and dashboard at (http:\S+)\//.exec(stderr)?.[1];
      expect(url, stderr).toBeDefined();
      // The capture stays open (stdin not ended) while the API is asked.
      child.stdin.write(writePcap(labFrames(1_300_000, SCAN)));
      const capture = async () =>
        ((await (await fetch(`${url}/v1/capture`)).json()) as { capture: { packetsScored: number } }).capture;
      await until(async () => (await capture()).packetsScored === PACKETS, 30_000, 50);
      const alerts = async () =>
        ((await (await fetch(`${url}/v1/alerts`)).json()) as { alerts: { sourceKey: string }[] }).alerts;
      await until(async () => (await alerts()).some((a) => a.sourceKey === ATTACKER), 10_000, 50);
      expect(
        (
          await fetch(`${url}/v1/detect`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '[]',
          })
        ).status,
      ).toBe(409);
    } finally {
      child.stdin.end();
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(new RegExp(`watch ended: ${PACKETS} packets scored`));
  }, 60_000);
});
