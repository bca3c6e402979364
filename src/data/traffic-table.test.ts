import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureColumnsOf } from '../detection/detection-table.js';
import { detectFile } from '../detection/detect-file.js';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { readModelDir } from '../models/model-dir.js';
import { KDD_TRAFFIC_COLUMNS } from '../traffic/features/kdd-traffic.js';
import { runTraining } from '../train/run-training.js';
import { dataAvailable } from '../../test/available.js';
import { loadLabelledSplit } from './labelled-split.js';
import { dataSearchPath } from './locate.js';
import { availableProtocols, defaultProtocolOf } from './protocols.js';
import { DATASETS, resolveDataset } from './registry.js';
import { silentProgress } from '../util/progress-reporter.js';

const FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
  'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history',
  'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes',
]; // prettier-ignore

type Kind = 'benign' | 'cc' | 'ddos';

/** One row of an IoT-23-style log: the last three fields separated by three spaces, as published. */
function row(i: number, kind: Kind): string {
  const ts = 1_545_000_000 + i * 10;
  const base =
    kind === 'benign'
      ? ['192.168.1.195', 40000 + i, '8.8.8.8', 53, 'udp', 'dns', '0.01', 40, 80, 'SF', '-', '-', 0, 'Dd', 1, 68, 1, 108]
      : kind === 'cc'
        ? ['192.168.1.195', 41000 + i, '185.10.0.1', 6667, 'tcp', '-', '5.2', 120, 90, 'S3', '-', '-', 0, 'ShAdDa', 8, 560, 7, 490]
        : ['192.168.1.195', 42000 + i, '10.9.9.9', 80, 'tcp', '-', '-', '-', '-', 'S0', '-', '-', 0, 'S', 1, 40, 0, 0]; // prettier-ignore
  const label = kind === 'benign' ? 'Benign   -' : kind === 'cc' ? 'Malicious   C&C' : 'Malicious   DDoS';
  return `${[ts, `C${i}`, ...base].join('\t')}\t-   ${label}`;
}

/** 40 connections: benign and C&C alternate throughout, DDoS only in the last quarter (so only in the test part). */
function conn40(): string {
  const rows: string[] = [];
  for (let i = 0; i < 40; i++)
    rows.push(row(i, i >= 30 && i % 2 === 0 ? 'ddos' : i % 2 === 0 ? 'benign' : 'cc'));
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    `#fields\t${FIELDS.join('\t')}\ttunnel_parents   label   detailed-label`,
    'not\ta\trow',
    ...rows,
  ].join('\n');
}

let dir: string;
let logPath: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-traffic-table-'));
  logPath = join(dir, 'capture.conn.log.labeled.gz');
  await writeFile(logPath, gzipSync(`${conn40()}\n`));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const load = async (task: 'binary' | 'detailed') =>
  loadLabelledSplit(await resolveDataset(logPath), 'capture.conn.log.labeled.gz', task, {
    searchPath: dataSearchPath(undefined, {}),
    progress: silentProgress,
  });

describe('traffic datasets in the registry', () => {
  it('iot-23 reads its conn log with conn features, tasks binary and detailed, time-split by default', () => {
    const d = DATASETS['iot-23'];
    expect(d.tasks).toEqual(['binary', 'detailed']);
    expect(defaultProtocolOf(d)).toBe('time-split');
    expect(availableProtocols(d)).toEqual(['time-split', 'random-split']);
    expect(d.schema.featureSet).toBe('conn');
    expect(d.schema.trafficInput).toBe(true);
  });

  it('nsl-kdd-traffic keeps exactly the kdd-traffic columns as features', () => {
    const d = DATASETS['nsl-kdd-traffic'];
    expect(d.schema.featureSet).toBe('kdd-traffic');
    expect(featureColumnsOf(d.schema.columns)).toEqual(KDD_TRAFFIC_COLUMNS);
    expect(d.splits).toBe(DATASETS['nsl-kdd'].splits);
  });
});

describe('a labelled conn log as a dataset', () => {
  it('binary: classes from label, every row kept, start times for time-split, the bad line counted', async () => {
    const split = await load('binary');
    expect(split.classes).toEqual(['normal', 'attack']);
    expect(split.y.length).toBe(40);
    expect([...split.y].filter((c) => c === 0).length).toBe(15);
    expect(split.table.timestamps?.[0]).toBe(1_545_000_000);
    expect(split.cleaning.rowsRejected).toBe(1);
    expect(split.cleaning.rowsKept).toBe(40);
  });

  it('detailed: classes from the detailed label, benign for "-"', async () => {
    const split = await load('detailed');
    const count = (name: string) => [...split.y].filter((c) => split.classes[c] === name).length;
    expect(count('normal')).toBe(15);
    expect(count('C&C')).toBe(20);
    expect(count('DDoS')).toBe(5);
  });

  it('trains with time-split, reports DDoS as only in the test part, and the model detects and evaluates logs', async () => {
    const result = await runTraining({
      dataset: logPath,
      task: 'detailed',
      model: 'rf',
      modelOptions: { nEstimators: 5, nJobs: 0 },
      seed: 1,
      out: join(dir, 'run'),
    });
    expect(result.metrics.protocol).toBe('time-split');
    expect((result.metrics.warnings ?? []).join('\n')).toMatch(/class "DDoS" occurs only in the test part/);
    const { manifest } = await readModelDir(result.modelDir);
    expect(manifest.featureSet).toBe('conn');

    const out = join(dir, 'detect.ndjson');
    const summary = await detectFile({ modelDir: result.modelDir, input: logPath, output: out });
    expect(summary.records).toBe(40);
    expect(Object.values(summary.traffic?.skipped ?? {}).reduce((a, b) => a + b, 0)).toBe(1);

    const evaluated = await evaluateModel({
      modelDir: result.modelDir,
      dataset: logPath,
      out: join(dir, 'ev'),
    });
    expect(Object.values(evaluated.metrics.splits)[0].n).toBe(40);
  });
});

const DATA = process.env.IOT_IDS_DATA_DIR ?? '/nonexistent';
const IOT23 = join(DATA, 'traffic/iot-23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz');
const TEST18 = join(DATA, 'traffic/slips/test18-malicious-ctu-sme-11-win_zeek-labeled_conn.log.labeled.gz');

describe.runIf(dataAvailable(IOT23, 'iot-23 on the shared conn log'))('iot-23 on the shared conn log', () => {
  it('reads all 23,145 connections with the published label counts', async () => {
    const split = await loadLabelledSplit(DATASETS['iot-23'], 'CTU-IoT-Malware-Capture-34-1', 'detailed', {
      searchPath: dataSearchPath(),
      progress: silentProgress,
    });
    const count = (name: string) => [...split.y].filter((c) => split.classes[c] === name).length;
    expect(split.y.length).toBe(23_145);
    expect([count('normal'), count('DDoS'), count('C&C'), count('PartOfAHorizontalPortScan')]).toEqual([
      1923, 14_394, 6706, 122,
    ]);
  });
});

describe.runIf(dataAvailable(TEST18, 'slips test18 as a labelled conn log'))(
  'slips test18 as a labelled conn log',
  () => {
    it('reads 766 connections; the 3 labelled Unknown are left out and counted', async () => {
      const dataset = await resolveDataset(TEST18);
      const split = await loadLabelledSplit(dataset, dataset.splits[0].name, 'binary', {
        searchPath: dataSearchPath(),
        progress: silentProgress,
      });
      expect(split.y.length).toBe(763);
      expect(split.cleaning.unknownLabels).toEqual({ Unknown: 3 });
    });
  },
);
