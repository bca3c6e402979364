import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../models/estimator.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import type { Matrix } from '../preprocess/matrix.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { Random } from '../util/random.js';
import { Detector } from './detector.js';
import { explain } from './explain.js';
import { inputBlocks } from './input-blocks.js';
import { recordsToTable } from './json-records.js';
import { TINY_SCHEMA, makeTinyModel, tinyRow, tinyRows, type TinyRow } from './test-helpers/tiny-model.js';

let dir: string;
let modelDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-explain-'));
  ({ modelDir } = await makeTinyModel(dir));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tableOf(rows: TinyRow[]) {
  return recordsToTable(
    rows.map(({ duration, proto, signal, noise }) => ({ duration, proto, signal, noise })),
    TINY_SCHEMA,
  ).table;
}

/** The saved model with every predictProba call recorded (rows per call). */
async function spiedDetector(): Promise<{ detector: Detector; calls: number[] }> {
  const parts = await loadSavedModel(modelDir);
  const calls: number[] = [];
  const inner = parts.model;
  const model: Classifier = {
    kind: inner.kind,
    outputKind: inner.outputKind,
    options: inner.options,
    fitted: inner.fitted,
    fit: () => Promise.reject(new Error('not used')),
    predictProba: (x: Matrix) => {
      calls.push(x.rows);
      return inner.predictProba(x);
    },
    predict: (x: Matrix) => inner.predict(x),
    save: (d: string) => inner.save(d),
    dispose: () => inner.dispose(),
  };
  return { detector: Detector.fromParts({ ...parts, model }), calls };
}

describe('explain', () => {
  it('ranks the feature that decides the class first, with its raw and neutral value', async () => {
    const { detector, calls } = await spiedDetector();
    const random = new Random(21);
    // Clearly inside the dos (10–20) and probe (≥ 20) ranges.
    const rows = [tinyRow(random, 1), tinyRow(random, 2), tinyRow(random, 1)];
    const table = tableOf(rows);
    const explanations = await explain(detector, table, [0, 1, 2]);
    // Four raw columns: each row is scored with itself plus four occluded copies, all rows in one call.
    expect(calls).toEqual([3 * 5]);
    const trainingSignalMin = Math.min(...tinyRows(11, 600).map((r) => Math.fround(r.signal)));
    explanations.forEach((e, i) => {
      expect(e.row).toBe(i);
      expect(e.line).toBe(i + 1);
      expect(e.label).toBe(rows[i].label);
      expect(e.contributions.map((c) => c.feature)).toHaveLength(4);
      const [first, ...rest] = e.contributions;
      expect(first.feature).toBe('signal');
      expect(first.value).toBe(Math.fround(rows[i].signal));
      expect(first.neutral).toBe(trainingSignalMin);
      // Occluding signal sends the row to the normal range, so the class probability all but vanishes.
      expect(first.contribution).toBeGreaterThan(0.5 * e.probability);
      for (const other of rest) expect(other.contribution).toBeLessThan(first.contribution);
      const sorted = [...e.contributions].sort((a, b) => b.contribution - a.contribution);
      expect(e.contributions).toEqual(sorted);
      const proto = e.contributions.find((c) => c.feature === 'proto')!;
      expect(proto.value).toBe(rows[i].proto);
      expect(proto.neutral).toBeNull();
    });
    await detector.dispose();
  });

  it('explains a chosen class and honours top', async () => {
    const detector = await Detector.load(modelDir);
    const table = tableOf([tinyRow(new Random(5), 1)]);
    const [asNormal] = await explain(detector, table, [0], { className: 'normal', top: 4 });
    expect(asNormal.label).toBe('normal');
    // Neutralising signal would make the row normal: the value argues against "normal" the most.
    expect(asNormal.contributions[3].feature).toBe('signal');
    expect(asNormal.contributions[3].contribution).toBeLessThan(0);
    const [short] = await explain(detector, table, [0], { top: 2 });
    expect(short.contributions).toHaveLength(2);
    await expect(explain(detector, table, [1])).rejects.toThrow(/row index 1 is outside the table/);
    await expect(explain(detector, table, [0], { className: 'ddos' })).rejects.toThrow(
      /cannot explain class "ddos"/,
    );
    await detector.dispose();
  });
});

describe('inputBlocks', () => {
  it('maps raw columns to their encoded features and neutral values, log1p and dropped columns included', () => {
    const table = tableOf([
      { duration: 4, proto: 'tcp', signal: 1, noise: 7, label: 'x', difficulty: 0 },
      { duration: 9, proto: 'udp', signal: 1, noise: 3, label: 'x', difficulty: 0 },
    ]);
    const pipeline = new FeaturePipeline({ log1pColumns: ['duration'], dropConstant: true }).fit(table);
    expect(inputBlocks(pipeline)).toEqual([
      { name: 'duration', kind: 'numeric', offset: 0, width: 1, neutral: Math.expm1(Math.log1p(4)) },
      { name: 'proto', kind: 'categorical', offset: 1, width: 2, neutral: null },
      { name: 'signal', kind: 'numeric', offset: 3, width: 0, neutral: 1 },
      { name: 'noise', kind: 'numeric', offset: 3, width: 1, neutral: 3 },
    ]);
    expect(pipeline.nFeatures).toBe(4);
    // The neutral value really is what the pipeline encodes as zero.
    const neutral = tableOf([
      { duration: Math.expm1(Math.log1p(4)), proto: 'other', signal: 1, noise: 3, label: 'x', difficulty: 0 },
    ]);
    expect(Array.from(pipeline.transform(neutral).x.data)).toEqual([0, 0, 0, 0]);
  });
});
