import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../models/estimator.js';
import type { ModelManifest } from '../models/model-dir.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { Random } from '../util/random.js';
import { DEFAULT_ALERT_THRESHOLD } from './alert-rules.js';
import { Detector, type DetectorOptions, type Prediction } from './detector.js';
import { recordsToTable } from './json-records.js';
import { TINY_CLASSES, TINY_SCHEMA, makeTinyModel, tinyRow, tinyRows } from './test-helpers/tiny-model.js';

let dir: string;
let modelDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-detector-'));
  ({ modelDir } = await makeTinyModel(dir));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tableOf(rows: { duration: number; proto: string; signal: number; noise: number }[]) {
  const { table, errors } = recordsToTable(
    rows.map(({ duration, proto, signal, noise }) => ({ duration, proto, signal, noise })),
    TINY_SCHEMA,
  );
  expect(errors).toEqual([]);
  return table;
}

/** A classifier that returns the given score rows, cycling, whatever the input (kind chosen by the test). */
class FixedScores implements Classifier {
  readonly outputKind = 'probabilities';
  readonly options = {};
  readonly fitted = true;
  calls = 0;
  constructor(
    readonly kind: string,
    private readonly rows: number[][],
  ) {}
  fit(): Promise<this> {
    return Promise.resolve(this);
  }
  predictProba(x: Matrix): Promise<Matrix> {
    this.calls++;
    const k = this.rows[0].length;
    const data = new Float32Array(x.rows * k);
    for (let i = 0; i < x.rows; i++) data.set(this.rows[i % this.rows.length], i * k);
    return Promise.resolve(createMatrix(x.rows, k, data));
  }
  predict(): Promise<Int32Array> {
    return Promise.reject(new Error('not used'));
  }
  save(): Promise<string[]> {
    return Promise.resolve([]);
  }
  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

function fakeDetector(kind: string, rows: number[][], options: DetectorOptions = {}) {
  const train = tableOf(tinyRows(1, 30));
  const pipeline = new FeaturePipeline().fit(train);
  const manifest: ModelManifest = {
    formatVersion: 2,
    kind,
    options: {},
    dataset: 'tiny',
    task: 'attack-cat',
    protocol: 'official',
    seed: 1,
    classes: TINY_CLASSES,
    inputColumns: [...TINY_SCHEMA.columns],
    featureNames: pipeline.featureNames,
    files: {},
    fileSizes: {},
    createdAt: '',
    digest: '',
  };
  const model = new FixedScores(kind, rows);
  return {
    detector: Detector.fromParts({ manifest, pipeline, model }, options),
    model,
    table: tableOf(tinyRows(2, rows.length)),
  };
}

function expectRuleHolds(predictions: Prediction[], thresholds: Record<string, number>): void {
  for (const p of predictions) {
    const threshold = thresholds[p.label] ?? DEFAULT_ALERT_THRESHOLD;
    expect(p.alert).toBe(p.label !== 'normal' && p.probability >= Math.fround(threshold));
  }
}

describe('Detector with a trained model directory', () => {
  it('predicts the class the deciding feature implies, with probabilities summing to 1', async () => {
    const detector = await Detector.load(modelDir);
    const random = new Random(99);
    const rows = Array.from({ length: 60 }, (_, i) => tinyRow(random, i % 3));
    const predictions = await detector.score(tableOf(rows));
    expect(predictions).toHaveLength(60);
    const correct = predictions.filter((p, i) => p.label === rows[i].label).length;
    expect(correct).toBeGreaterThanOrEqual(57);
    for (const p of predictions) {
      expect(Object.keys(p.probabilities)).toEqual(TINY_CLASSES);
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.probability).toBe(p.probabilities[p.label]);
      expect(p.probability).toBe(Math.max(...Object.values(p.probabilities)));
    }
    expectRuleHolds(predictions, {});
    expect(predictions.filter((p) => p.alert).length).toBeGreaterThan(30);
    await detector.dispose();
  });

  it('alerts follow the per-class thresholds', async () => {
    const random = new Random(7);
    // Rows near the class borders (signal ≈ 10 and ≈ 20) get split votes from the trees.
    const rows = Array.from({ length: 200 }, () => ({ ...tinyRow(random), signal: 8 + random.next() * 14 }));
    const table = tableOf(rows);
    const counts: Record<string, number> = {};
    const settings: Record<string, Record<string, number>> = {
      zero: { dos: 0, probe: 0 },
      default: {},
      strictDos: { dos: 1 },
      strict: { dos: 1, probe: 1 },
    };
    for (const [name, thresholds] of Object.entries(settings)) {
      const detector = await Detector.load(modelDir, { thresholds });
      const predictions = await detector.score(table);
      expectRuleHolds(predictions, thresholds);
      counts[name] = predictions.filter((p) => p.alert).length;
      if (name === 'zero') expect(counts.zero).toBe(predictions.filter((p) => p.label !== 'normal').length);
      if (name === 'strict') {
        expect(counts.strict).toBe(
          predictions.filter((p) => p.label !== 'normal' && p.probability === 1).length,
        );
      }
      await detector.dispose();
    }
    expect(counts.zero).toBeGreaterThanOrEqual(counts.default);
    expect(counts.default).toBeGreaterThanOrEqual(counts.strictDos);
    expect(counts.strictDos).toBeGreaterThanOrEqual(counts.strict);
    expect(counts.zero).toBeGreaterThan(counts.strict);
  });

  it('treats normalClass as the benign class: nothing else alerts when it names another class', async () => {
    const detector = await Detector.load(modelDir, { normalClass: 'probe', thresholds: { normal: 0 } });
    const predictions = await detector.score(tableOf(tinyRows(4, 30)));
    for (const p of predictions) expect(p.alert).toBe(p.label !== 'probe' && p.probability >= 0.5);
    expect(predictions.some((p) => p.label === 'normal' && p.alert)).toBe(true);
    await detector.dispose();
  });

  it('refuses thresholds for unknown classes, for the normal class, or outside [0, 1]', async () => {
    await expect(Detector.load(modelDir, { thresholds: { ddos: 0.5 } })).rejects.toThrow(
      /threshold for unknown class "ddos"; the model's attack classes are "dos", "probe"/,
    );
    await expect(Detector.load(modelDir, { thresholds: { normal: 0.5 } })).rejects.toThrow(
      /normal class never raises/,
    );
    await expect(Detector.load(modelDir, { thresholds: { dos: 1.5 } })).rejects.toThrow(
      /must be a probability in \[0, 1\]/,
    );
    await expect(Detector.load(modelDir, { normalClass: 'benign' })).rejects.toThrow(
      /normal class "benign" is not a class/,
    );
  });

  it('fails with the directory named when it is not a model directory', async () => {
    await expect(Detector.load(dir)).rejects.toThrow(/manifest\.json is missing/);
  });
});

describe('Detector alert rules and score conversion', () => {
  it('compares thresholds in float32, the precision probabilities have', async () => {
    const { detector, table } = fakeDetector('rf', [[0.3, 0.7, 0]], { thresholds: { dos: 0.7 } });
    const [p] = await detector.score(table);
    expect(p.probability).toBe(Math.fround(0.7));
    expect(p.probability).toBeLessThan(0.7);
    expect(p.alert).toBe(true);
    const stricter = fakeDetector('rf', [[0.3, 0.7, 0]], { thresholds: { dos: 0.71 } });
    expect((await stricter.detector.score(stricter.table))[0].alert).toBe(false);
  });

  it('never alerts on a normal prediction and does alert on an attack at its threshold', async () => {
    const { detector, table } = fakeDetector('rf', [
      [0.6, 0.4, 0],
      [0.2, 0.3, 0.5],
      [0.2, 0.4, 0.4],
    ]);
    const predictions = await detector.score(table);
    expect(predictions.map((p) => [p.label, p.alert])).toEqual([
      ['normal', false],
      ['probe', true],
      // Ties go to the first class, as argmaxRows does in evaluation.
      ['dos', false],
    ]);
  });

  it('takes the probabilities from the model whatever its kind (margin models softmax their own)', async () => {
    const probabilities = [
      [0.7, 0.2, 0.1],
      [0.1, 0.5, 0.4],
    ];
    const { detector, table } = fakeDetector('svm', probabilities);
    const predictions = await detector.score(table);
    predictions.forEach((prediction, i) =>
      TINY_CLASSES.forEach((name, j) =>
        expect(prediction.probabilities[name]).toBeCloseTo(probabilities[i][j], 6),
      ),
    );
    expect(predictions.map((p) => p.label)).toEqual(['normal', 'dos']);
  });

  it('reports a model that returns the wrong number of classes', async () => {
    const { detector, table } = fakeDetector('rf', [[0.5, 0.5]]);
    await expect(detector.score(table)).rejects.toThrow(/returned 1 × 2 scores for 1 rows and 3 classes/);
  });
});
