import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, liveTensorCount } from '../../engine/index.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { AnomalyDetector, anomalousMask } from './anomaly-detector.js';
import { fractionAbove } from './threshold.js';

const FEATURES = 16;

/** "Normal" rows lie near a 2-dimensional surface in [0, 1]^16; anomalies are uniform in the cube. */
function normalRows(random: Random, n: number): Matrix {
  const mixing = new Random(99);
  const a = Array.from({ length: FEATURES }, () => mixing.next());
  const b = Array.from({ length: FEATURES }, () => 1 - mixing.next());
  const data = new Float32Array(n * FEATURES);
  for (let i = 0; i < n; i++) {
    const u = random.next();
    const v = random.next();
    for (let j = 0; j < FEATURES; j++) {
      const value = (a[j] * u + b[j] * v) / 2 + 0.01 * random.normal();
      data[i * FEATURES + j] = Math.min(1, Math.max(0, value));
    }
  }
  return createMatrix(n, FEATURES, data);
}

function uniformRows(random: Random, n: number): Matrix {
  return createMatrix(
    n,
    FEATURES,
    Float32Array.from({ length: n * FEATURES }, () => random.next()),
  );
}

const options = { hiddenUnits: [8, 2], epochs: 40, batchSize: 32, learningRate: 0.01, patience: 5, seed: 7 };

describe('AnomalyDetector', () => {
  const random = new Random(1);
  const train = normalRows(random, 600);
  const validation = normalRows(random, 400);
  const heldOutNormal = normalRows(random, 400);
  const anomalies = uniformRows(random, 200);
  let dir: string;
  let baseline: number;
  let detector: AnomalyDetector;

  beforeAll(async () => {
    await initEngine();
    baseline = liveTensorCount();
    dir = await mkdtemp(join(tmpdir(), 'zero-day-'));
    detector = await new AnomalyDetector(options).fit(train, { validation, falsePositiveRate: 0.05 });
  });

  afterAll(async () => {
    detector.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('sets the threshold so at most the chosen share of validation-normal rows is anomalous', () => {
    expect(detector.falsePositiveRate).toBe(0.05);
    expect(fractionAbove(detector.getValidationErrors(), detector.threshold)).toBeLessThanOrEqual(0.05);
    expect(fractionAbove(detector.getValidationErrors(), detector.threshold)).toBeGreaterThan(0.03);
  });

  it('flags traffic unlike the normal training rows and few unseen normal rows', async () => {
    const normalFlags = await detector.isAnomalous(heldOutNormal);
    const anomalyFlags = await detector.isAnomalous(anomalies);
    const share = (flags: Uint8Array) => flags.reduce((a, b) => a + b, 0) / flags.length;
    expect(share(normalFlags)).toBeLessThan(0.12);
    expect(share(anomalyFlags)).toBeGreaterThan(0.9);
    // Scores are per-row mean squared errors, so flags are exactly "score above threshold".
    const scores = await detector.score(anomalies);
    expect(scores.length).toBe(200);
    expect(Array.from(anomalousMask(scores, detector.threshold))).toEqual(Array.from(anomalyFlags));
  });

  it('stops early on the validation loss and restores its best epoch', () => {
    const history = detector.history;
    expect(history.length).toBeGreaterThan(1);
    expect(history.length).toBeLessThanOrEqual(options.epochs);
    expect(history[history.length - 1].loss).toBeLessThan(history[0].loss);
    const best = Math.min(...history.map((h) => h.valLoss!));
    const mean = detector.getValidationErrors().reduce((a, b) => a + b, 0) / validation.rows;
    expect(mean).toBeCloseTo(best, 6);
  });

  it('moves the threshold to another rate without retraining', async () => {
    const copy = await AnomalyDetector.load(await saveTo(detector, join(dir, 'copy')));
    copy.setFalsePositiveRate(0.01);
    expect(copy.threshold).toBeGreaterThan(detector.threshold);
    expect(fractionAbove(copy.getValidationErrors(), copy.threshold)).toBeLessThanOrEqual(0.01);
    copy.dispose();
  });

  it('gives the same scores after save and load, and from the same seed', async () => {
    const saved = join(dir, 'saved');
    const files = await saveTo(detector, saved);
    expect(files).toBeDefined();
    const loaded = await AnomalyDetector.load(saved);
    expect(loaded.threshold).toBe(detector.threshold);
    expect(loaded.falsePositiveRate).toBe(0.05);
    expect(loaded.options).toEqual(detector.options);
    expect(Array.from(await loaded.score(anomalies))).toEqual(Array.from(await detector.score(anomalies)));
    loaded.dispose();
    const again = await new AnomalyDetector(options).fit(train, { validation, falsePositiveRate: 0.05 });
    expect(again.threshold).toBe(detector.threshold);
    expect(Array.from(await again.score(heldOutNormal))).toEqual(
      Array.from(await detector.score(heldOutNormal)),
    );
    again.dispose();
  });

  it('reports damaged or inconsistent files by name and field', async () => {
    const saved = join(dir, 'damaged');
    await saveTo(detector, saved);
    const settingsPath = join(saved, 'zero-day.json');
    const settings = JSON.parse(await readFile(settingsPath, 'utf8'));
    await writeFile(settingsPath, JSON.stringify({ ...settings, threshold: 'high' }));
    await expect(AnomalyDetector.load(saved)).rejects.toThrow(/zero-day\.json, field "threshold"/);
    await writeFile(settingsPath, JSON.stringify({ ...settings, nFeatures: 17 }));
    await expect(AnomalyDetector.load(saved)).rejects.toThrow(/dense0\/kernel.*\[16, 8\].*\[17, 8\]/);
  });

  it('refuses bad options, empty inputs and use before fit', async () => {
    expect(() => new AnomalyDetector({ hiddenUnits: [] })).toThrow(/hiddenUnits/);
    expect(() => new AnomalyDetector({ epochs: 0 })).toThrow(/option "epochs"/);
    const unfitted = new AnomalyDetector();
    expect(() => unfitted.threshold).toThrow(/not fitted/);
    await expect(unfitted.score(anomalies)).rejects.toThrow(/not fitted/);
    await expect(unfitted.fit(createMatrix(0, FEATURES), { validation })).rejects.toThrow(/0 normal rows/);
    await expect(unfitted.fit(train, { validation: createMatrix(0, FEATURES) })).rejects.toThrow(
      /validation normal rows/,
    );
    await expect(unfitted.fit(train, { validation, falsePositiveRate: 1 })).rejects.toThrow(/\[0, 1\)/);
    await expect(detector.score(createMatrix(1, 3))).rejects.toThrow(/16 features.*3 columns/);
  });

  it('leaves no tensors behind after fit, score, save, load and dispose', async () => {
    const before = liveTensorCount();
    const other = await new AnomalyDetector({ ...options, epochs: 2 }).fit(train, { validation });
    await other.score(anomalies);
    const path = await saveTo(other, join(dir, 'leak'));
    const loaded = await AnomalyDetector.load(path);
    await loaded.isAnomalous(heldOutNormal);
    loaded.dispose();
    other.dispose();
    expect(liveTensorCount()).toBe(before);
    // Only the shared detector's own variables (4 layers × kernel + bias) outlive the tests' setup.
    expect(before - baseline).toBe(8);
  });
});

async function saveTo(detector: AnomalyDetector, path: string): Promise<string> {
  await detector.save(path);
  return path;
}
