import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePcap, type FixtureFrame } from '../traffic/test-helpers/capture-writer.js';
import { ACK, FIN, PSH, SYN, tcpFrame } from '../traffic/test-helpers/frames.js';
import { detectFile } from './detect-file.js';
import { Detector } from './detector.js';
import { ConnectionScorer, scoreConnections } from './score-connections.js';
import { makeTinyModel } from './test-helpers/tiny-model.js';
import { makeTrafficModel, trafficRecords } from './test-helpers/traffic-model.js';

let dir: string;
let connModel: string;
let kddModel: string;
let csvModel: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-detect-traffic-'));
  connModel = await makeTrafficModel(dir, 'conn');
  kddModel = await makeTrafficModel(dir, 'kdd-traffic');
  ({ modelDir: csvModel } = await makeTinyModel(dir, 200));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Two complete web exchanges (tcp/80) and four unanswered SYNs to tcp/23, one second apart. */
function captureFrames(): FixtureFrame[] {
  const frames: FixtureFrame[] = [];
  let t = 1_700_000_100;
  for (let k = 0; k < 2; k++) {
    const c = { src: '10.0.0.5', dst: '10.0.0.9', sport: 41000 + k, dport: 80 };
    const s = { src: '10.0.0.9', dst: '10.0.0.5', sport: 80, dport: 41000 + k };
    const seq = (n: number) => ({ seq: 1000 + n, ack: 5000 });
    frames.push({ ts: t, bytes: tcpFrame({ ...c, flags: SYN, seq: 1000 }) });
    frames.push({ ts: t + 0.01, bytes: tcpFrame({ ...s, flags: SYN | ACK, seq: 4999, ack: 1001 }) });
    frames.push({ ts: t + 0.02, bytes: tcpFrame({ ...c, flags: ACK, ...seq(1) }) });
    frames.push({ ts: t + 0.03, bytes: tcpFrame({ ...c, flags: PSH | ACK, ...seq(1), payload: 300 }) });
    frames.push({
      ts: t + 0.05,
      bytes: tcpFrame({ ...s, flags: PSH | ACK, seq: 5000, ack: 1301, payload: 1400 }),
    });
    frames.push({ ts: t + 0.06, bytes: tcpFrame({ ...c, flags: FIN | ACK, ...seq(301) }) });
    frames.push({ ts: t + 0.07, bytes: tcpFrame({ ...s, flags: FIN | ACK, seq: 6400, ack: 1302 }) });
    frames.push({ ts: t + 0.08, bytes: tcpFrame({ ...c, flags: ACK, seq: 1302, ack: 6401 }) });
    t += 1;
  }
  for (let k = 0; k < 4; k++) {
    frames.push({
      ts: t + k,
      bytes: tcpFrame({ src: '10.0.0.66', dst: `10.0.1.${k}`, sport: 52000 + k, dport: 23, flags: SYN }),
    });
  }
  return frames;
}

interface ConnLine {
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.resp_p': number;
  line?: number;
  label: string;
  probability: number;
  alert: boolean;
}

async function lines(path: string): Promise<ConnLine[]> {
  const text = await readFile(path, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ConnLine);
}

describe('detect on traffic input', () => {
  it('scores every connection of a pcap and reports the packets read', async () => {
    const pcap = join(dir, 'capture.pcap');
    const frames = captureFrames();
    await writeFile(pcap, writePcap(frames));
    const out = join(dir, 'pcap.ndjson');
    const summary = await detectFile({ modelDir: connModel, input: pcap, output: out });
    const rows = await lines(out);
    expect(rows).toHaveLength(6);
    expect(summary.records).toBe(6);
    expect(summary.featureSet).toBe('conn');
    expect(summary.traffic?.format).toBe('pcap');
    expect(summary.traffic?.unit).toBe('packets');
    expect(summary.traffic?.read).toBe(frames.length);
    expect(summary.traffic?.records).toBe(6);
    // Start order, with the connection's identity.
    expect(rows.map((r) => r.ts)).toEqual([...rows.map((r) => r.ts)].sort((a, b) => a - b));
    const web = rows.filter((r) => r['id.resp_p'] === 80);
    const scans = rows.filter((r) => r['id.resp_p'] === 23);
    expect(web).toHaveLength(2);
    expect(scans.map((r) => r['id.orig_h'])).toEqual(Array(4).fill('10.0.0.66'));
    expect(web.every((r) => r.label === 'normal' && !r.alert)).toBe(true);
    expect(scans.every((r) => r.label === 'attack' && r.alert)).toBe(true);
    expect(summary.alerts).toBe(4);
    expect(rows.every((r) => r.uid.length > 0)).toBe(true);
  });

  it('scores a Zeek conn.log, keeping each connection’s uid and line', async () => {
    const fields = [
      'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
      'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history',
      'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents',
    ]; // prettier-ignore
    const row = (ts: number, uid: string, port: number, state: string, history: string, bytes: string) =>
      [ts, uid, '10.0.0.5', 40000, '10.0.0.9', port, 'tcp', '-', '0.2', bytes, bytes, state, '-', '-', 0,
        history, 6, 620, 6, 5320, '-'].join('\t'); // prettier-ignore
    const log = [
      '#separator \\x09',
      '#unset_field\t-',
      `#fields\t${fields.join('\t')}`,
      row(1_700_000_010, 'CaaA', 80, 'SF', 'ShADadFf', '300'),
      row(1_700_000_011, 'CbbB', 23, 'S0', 'S', '0'),
    ].join('\n');
    const path = join(dir, 'conn.log');
    await writeFile(path, `${log}\n`);
    const out = join(dir, 'zeek.ndjson');
    const summary = await detectFile({ modelDir: connModel, input: path, output: out });
    const rows = await lines(out);
    expect(rows.map((r) => [r.uid, r.line])).toEqual([
      ['CaaA', 4],
      ['CbbB', 5],
    ]);
    expect(summary.traffic?.format).toBe('zeek-tsv');
    expect(summary.traffic?.unit).toBe('lines');
  });

  it('fails (no output file) when not one line of a flow log gave a connection', async () => {
    const path = join(dir, 'junk.conn.log');
    await writeFile(path, '#separator \\x09\n#fields\tts\tuid\nnot-a-time\tCx\nalso-bad\tCy\n');
    const out = join(dir, 'junk.ndjson');
    await expect(detectFile({ modelDir: connModel, input: path, output: out })).rejects.toThrow(
      /junk\.conn\.log: no zeek-tsv record could be read: 3 line\(s\) skipped/,
    );
    await expect(readFile(out, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('refuses a pcap for a model trained on CSV columns, naming both', async () => {
    const pcap = join(dir, 'refused.pcap');
    await writeFile(pcap, writePcap(captureFrames()));
    await expect(
      detectFile({ modelDir: csvModel, input: pcap, output: join(dir, 'x.ndjson') }),
    ).rejects.toThrow(/input is pcap traffic.*dataset "tiny".*not on a traffic feature set/);
  });

  it('refuses features other than the ones the model was trained on', async () => {
    const pcap = join(dir, 'features.pcap');
    await writeFile(pcap, writePcap(captureFrames()));
    await expect(
      detectFile({
        modelDir: connModel,
        input: pcap,
        features: 'kdd-traffic',
        output: join(dir, 'y.ndjson'),
      }),
    ).rejects.toThrow(/expects "conn" features but the input was given as "kdd-traffic"/);
  });
});

describe('ConnectionScorer', () => {
  it('gives the same verdicts in batches as whole: the KDD windows carry across batches', async () => {
    const detector = await Detector.load(kddModel);
    try {
      const records = trafficRecords(60, 1_700_000_500);
      const whole = await scoreConnections(detector, records);
      const scorer = new ConnectionScorer(detector);
      expect(scorer.featureSet).toBe('kdd-traffic');
      const a = await scorer.score(records.slice(0, 25));
      const b = await scorer.score(records.slice(25));
      expect([...(a.table.features[9].kind === 'numeric' ? a.table.features[9].values : [])]).toEqual(
        whole.table.features[9].kind === 'numeric' ? [...whole.table.features[9].values.slice(0, 25)] : [],
      );
      const batched = [...a.scored.probabilities.data, ...b.scored.probabilities.data];
      expect(batched).toEqual([...whole.scored.probabilities.data]);
      expect(scorer.outOfOrder).toBe(0);
    } finally {
      await detector.dispose();
    }
  });
});
