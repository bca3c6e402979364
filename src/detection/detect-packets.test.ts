import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { writePcap, type FixtureFrame } from '../traffic/test-helpers/capture-writer.js';
import { ACK, PSH, SYN, tcpFrame, udpFrame } from '../traffic/test-helpers/frames.js';

const SCANNER = '10.0.0.66';
const GRACE = ['--feature-map-grace', '100', '--detector-grace', '700', '--calibration-samples', '300'];

/** Three sensors reporting to a broker every ~0.1 s with the broker's acknowledgements: 1,200 packets. */
function normalFrames(start: number, count: number): FixtureFrame[] {
  const frames: FixtureFrame[] = [];
  let ts = start;
  for (let i = 0; i < count; i++) {
    const sensor = `10.0.0.${10 + (i % 3)}`;
    ts += 0.05 + ((i * 7) % 5) * 0.01;
    frames.push(
      i % 2 === 0
        ? {
            ts,
            bytes: tcpFrame({
              src: sensor,
              dst: '10.0.0.1',
              sport: 40000 + (i % 3),
              dport: 1883,
              flags: PSH | ACK,
              payload: 40 + (i % 4),
            }),
          }
        : {
            ts,
            bytes: tcpFrame({
              src: '10.0.0.1',
              dst: sensor,
              sport: 1883,
              dport: 40000 + (i % 3),
              flags: ACK,
            }),
          },
    );
    if (i % 50 === 0)
      frames.push({
        ts: ts + 0.001,
        bytes: udpFrame({ src: sensor, dst: '10.0.0.1', sport: 5353, dport: 53, payload: 30 }),
      });
  }
  return frames;
}

/** A fast SYN sweep of ports 1–300 on the broker, interleaved with ongoing normal traffic. */
function scanFrames(start: number): FixtureFrame[] {
  const frames: FixtureFrame[] = [];
  for (let port = 1; port <= 300; port++) {
    frames.push({
      ts: start + port * 0.002,
      bytes: tcpFrame({ src: SCANNER, dst: '10.0.0.1', sport: 50000, dport: port, flags: SYN }),
    });
  }
  return frames;
}

describe('iot-ids train/detect --model packet-ae', () => {
  let dir: string;
  const stderr: string[] = [];
  const t0 = 1_700_000_000;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-packet-ae-'));
    const benign = normalFrames(t0, 1200);
    await writeFile(join(dir, 'benign.pcap'), writePcap(benign));
    const last = benign[benign.length - 1].ts;
    const capture = [...benign, ...normalFrames(last + 0.1, 200), ...scanFrames(last + 3)].sort(
      (a, b) => a.ts - b.ts,
    );
    await writeFile(join(dir, 'capture.pcap'), writePcap(capture));
    await writeFile(join(dir, 'short.pcap'), writePcap(normalFrames(t0, 300)));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains on a benign capture, saves the model, and detect flags the scanning source', async () => {
    const run = join(dir, 'run');
    const trained = await main([
      'node',
      'iot-ids',
      'train',
      '--model',
      'packet-ae',
      '--input',
      join(dir, 'benign.pcap'),
      '-o',
      run,
      '--seed',
      '2',
      '--false-alarm-rate',
      '0.001',
      ...GRACE,
    ]);
    expect(trained).toBe(0);
    const manifest = JSON.parse(await readFile(join(run, 'model', 'manifest.json'), 'utf8')) as {
      kind: string;
      options: { seed: number; featureMapGrace: number; falseAlarmRate: number };
    };
    expect(manifest.kind).toBe('packet-ae');
    expect(manifest.options).toMatchObject({ seed: 2, featureMapGrace: 100, falseAlarmRate: 0.001 });

    const out = join(dir, 'scores.ndjson');
    const summaryPath = join(dir, 'summary.json');
    const detected = await main([
      'node',
      'iot-ids',
      'detect',
      '--model-dir',
      join(run, 'model'),
      '--input',
      join(dir, 'capture.pcap'),
      '-o',
      out,
      '--summary',
      summaryPath,
    ]);
    expect(detected).toBe(0);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            frame: number;
            ts: number;
            src: string;
            dst: string;
            score: number;
            alert: boolean;
          },
      );
    expect(lines).toHaveLength(1200 + 24 + 200 + 4 + 300); // the benign capture again, 200 more normal, DNS, 300 SYNs
    expect(lines[0]).toMatchObject({ frame: 1, dst: expect.any(String) as string });
    expect(lines.every((l) => Number.isFinite(l.score))).toBe(true);
    const scan = lines.filter((l) => l.src === SCANNER);
    const normal = lines.filter((l) => l.src !== SCANNER);
    const alertShare = (ls: typeof lines): number => ls.filter((l) => l.alert).length / ls.length;
    // The first packets of a capture meet fresh streams and may alert; once the statistics have warmed up,
    // normal traffic beside the scan stays quiet.
    expect(alertShare(scan)).toBeGreaterThan(0.9);
    expect(alertShare(normal.slice(-200))).toBeLessThan(0.1);
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as {
      kind: string;
      packets: number;
      alerts: { source: string; count: number }[];
    };
    expect(summary.kind).toBe('packet-ae');
    expect(summary.packets).toBe(lines.length);
    const bySource = new Map(summary.alerts.map((a) => [a.source, a.count]));
    expect(bySource.get(SCANNER)).toBe(scan.filter((l) => l.alert).length);
    const loudest = [...bySource].sort((a, b) => b[1] - a[1])[0][0];
    expect(loudest).toBe(SCANNER);

    // Options of the flow models mean nothing to a packet model: refused as a usage error, not ignored.
    const misused = await main([
      'node',
      'iot-ids',
      'detect',
      '--model-dir',
      join(run, 'model'),
      '--input',
      join(dir, 'capture.pcap'),
      '--features',
      'conn',
    ]);
    expect(misused).toBe(2);
  });

  it('refuses a capture shorter than the grace periods: exit 1, nothing written', async () => {
    const run = join(dir, 'short-run');
    stderr.length = 0;
    const code = await main([
      'node',
      'iot-ids',
      'train',
      '--model',
      'packet-ae',
      '--input',
      join(dir, 'short.pcap'),
      '-o',
      run,
      ...GRACE,
    ]);
    expect(code).toBe(1);
    expect(stderr.join('')).toMatch(/not enough samples to save a model: it needs 1100/);
    expect(existsSync(run)).toBe(false);
  });

  it('refuses packet-ae options for a dataset model (usage error, nothing trained)', async () => {
    const run = join(dir, 'rf-run');
    const code = await main([
      'node',
      'iot-ids',
      'train',
      '--model',
      'rf',
      '--detector-grace',
      '10',
      '-o',
      run,
    ]);
    expect(code).toBe(2);
    expect(existsSync(run)).toBe(false);
  });
});
