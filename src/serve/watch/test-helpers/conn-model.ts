import { join } from 'node:path';
import { rawLabelAt } from '../../../data/table.js';
import { Detector } from '../../../detection/detector.js';
import { AnomalyDetector } from '../../../models/zero-day/anomaly-detector.js';
import { PIPELINE_FILE, zeroDayDir } from '../../../models/zero-day/zero-day-dir.js';
import { writeDirAtomic } from '../../../util/atomic-dir.js';
import { saveModelDir } from '../../../models/model-dir.js';
import { RandomForestClassifier } from '../../../models/random-forest/forest.js';
import { FeaturePipeline } from '../../../preprocess/pipeline.js';
import type { ConnRecord } from '../../../traffic/conn-record.js';
import { openConnectionSource } from '../../../traffic/connection-source.js';
import { buildFeatureTable } from '../../../traffic/features/feature-table.js';
import { writePcap, type FixtureFrame } from '../../../traffic/test-helpers/capture-writer.js';
import { ACK, FIN, PSH, RST, SYN, tcpFrame, udpFrame } from '../../../traffic/test-helpers/frames.js';

export const DEVICE = '10.0.0.10';
export const ATTACKER = '10.0.0.66';

/**
 * A small network's traffic as frames: clients fetching from the device over whole TCP connections and
 * asking it DNS-like questions over UDP, and, from `scanAt` on, an attacker SYN-scanning `scanPorts` ports
 * (each answered with a RST), one probe every 20 ms.
 */
export function labFrames(
  t0: number,
  options: { seconds?: number; scanAt?: number; scanPorts?: number } = {},
) {
  const frames: FixtureFrame[] = [];
  const seconds = options.seconds ?? 20;
  for (let i = 0; i < seconds * 2; i++) {
    const t = t0 + i * 0.5;
    const client = `10.0.0.${20 + (i % 5)}`;
    const sport = 40000 + i;
    const c = { src: client, dst: DEVICE, sport, dport: 80 };
    const s = { src: DEVICE, dst: client, sport: 80, dport: sport };
    frames.push(
      { ts: t, bytes: tcpFrame({ ...c, flags: SYN, seq: 100 }) },
      { ts: t + 0.001, bytes: tcpFrame({ ...s, flags: SYN | ACK, seq: 500, ack: 101 }) },
      { ts: t + 0.002, bytes: tcpFrame({ ...c, flags: ACK, seq: 101, ack: 501 }) },
      { ts: t + 0.003, bytes: tcpFrame({ ...c, flags: PSH | ACK, seq: 101, ack: 501, payload: 80 }) },
      { ts: t + 0.01, bytes: tcpFrame({ ...s, flags: PSH | ACK, seq: 501, ack: 181, payload: 400 }) },
      { ts: t + 0.02, bytes: tcpFrame({ ...c, flags: FIN | ACK, seq: 181, ack: 901 }) },
      { ts: t + 0.021, bytes: tcpFrame({ ...s, flags: FIN | ACK, seq: 901, ack: 182 }) },
      { ts: t + 0.022, bytes: tcpFrame({ ...c, flags: ACK, seq: 182, ack: 902 }) },
      {
        ts: t + 0.2,
        bytes: udpFrame({ src: client, dst: DEVICE, sport: 50000 + i, dport: 53, payload: 30 }),
      },
      {
        ts: t + 0.201,
        bytes: udpFrame({ src: DEVICE, dst: client, sport: 53, dport: 50000 + i, payload: 60 }),
      },
    );
  }
  if (options.scanAt !== undefined) {
    for (let p = 0; p < (options.scanPorts ?? 100); p++) {
      const t = t0 + options.scanAt + p * 0.02;
      const port = 1 + p;
      frames.push(
        {
          ts: t,
          bytes: tcpFrame({ src: ATTACKER, dst: DEVICE, sport: 61000, dport: port, flags: SYN, seq: 7 }),
        },
        {
          ts: t + 0.0005,
          bytes: tcpFrame({
            src: DEVICE,
            dst: ATTACKER,
            sport: port,
            dport: 61000,
            flags: RST | ACK,
            ack: 8,
          }),
        },
      );
    }
  }
  frames.sort((a, b) => a.ts - b.ts);
  return frames;
}

export async function meterFrames(frames: FixtureFrame[]): Promise<ConnRecord[]> {
  const source = await openConnectionSource([writePcap(frames)]);
  const records: ConnRecord[] = [];
  for await (const batch of source.batches()) records.push(...batch);
  return records;
}

/**
 * A real model directory on `conn` features that tells the attacker's scan probes (`probe`) from the
 * clients' traffic (`normal`): a 5-tree Random Forest trained on metered fixture traffic.
 */
export async function makeConnModel(dir: string): Promise<string> {
  const records = (await meterFrames(labFrames(1_000_000, { seconds: 20, scanAt: 5, scanPorts: 200 }))).map(
    (r) => ({ ...r, label: r.origH === ATTACKER ? 'probe' : 'normal' }),
  );
  const { table, columns } = buildFeatureTable(records, 'conn');
  const classes = ['normal', 'probe'];
  const y = Int32Array.from({ length: table.nRows }, (_, i) => classes.indexOf(rawLabelAt(table, i)));
  const pipeline = new FeaturePipeline().fit(table);
  const model = new RandomForestClassifier({ nEstimators: 5, nJobs: 0, seed: 3 });
  await model.fit(pipeline.transform(table).x, y, { nClasses: classes.length });
  const modelDir = join(dir, 'model');
  await saveModelDir(modelDir, model, pipeline, {
    dataset: 'lab-fixture',
    task: 'attack-cat',
    protocol: 'official',
    seed: 3,
    classes,
    inputColumns: columns,
    featureNames: pipeline.featureNames,
    featureSet: 'conn',
  });
  await model.dispose();
  return modelDir;
}

/**
 * A zero-day detector for `makeConnModel`'s model, in its `zero-day/` folder: a small autoencoder trained on
 * the clients' metered records through the model's own pipeline, its threshold at `falsePositiveRate` of
 * those records (set high in tests, so that normal-looking records are flagged and the wiring shows).
 */
export async function makeZeroDay(modelDir: string, falsePositiveRate: number): Promise<void> {
  const detector = await Detector.load(modelDir);
  try {
    const records = (await meterFrames(labFrames(2_000_000, { seconds: 20 }))).map((r) => ({
      ...r,
      label: 'normal',
    }));
    const { table } = buildFeatureTable(records, 'conn');
    const x = detector.pipeline.transform(table).x;
    const zeroDay = new AnomalyDetector({ hiddenUnits: [8, 3], epochs: 10, batchSize: 16, seed: 1 });
    await zeroDay.fit(x, { validation: x, falsePositiveRate });
    zeroDay.info = { ...zeroDay.info, pipelineSha256: detector.manifest.files[PIPELINE_FILE] };
    await writeDirAtomic(zeroDayDir(modelDir), (temp) => zeroDay.save(temp));
    zeroDay.dispose();
  } finally {
    await detector.dispose();
  }
}
