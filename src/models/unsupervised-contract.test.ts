import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import { NotFittedError } from './fit-input.js';
import { SparseAutoencoder } from './sae/sparse-autoencoder.js';
import type { UnsupervisedEstimator } from './unsupervised.js';
import { VariationalAutoencoder } from './vae/variational-autoencoder.js';
import { AnomalyDetector } from './zero-day/anomaly-detector.js';

const FEATURES = 6;

/** Rows in [0, 1] (what the pipeline's min-max scaling gives), two features tied to a third. */
function rows(seed: number, count: number, width = FEATURES): Matrix {
  const random = new Random(seed);
  const data = new Float32Array(count * width);
  for (let i = 0; i < count; i++) {
    const base = random.next();
    for (let f = 0; f < width; f++) data[i * width + f] = f < 3 ? base : random.next();
  }
  return createMatrix(count, width, data);
}

const train = rows(1, 240);
const validation = rows(2, 60);

interface UnsupervisedCase {
  /** Width of `transform`'s rows. */
  readonly outputs: number;
  create(options?: object): UnsupervisedEstimator;
  load(dir: string, fitted: UnsupervisedEstimator): Promise<UnsupervisedEstimator>;
}

/** Every unsupervised estimator, in a small configuration. */
const CASES: Record<string, UnsupervisedCase> = {
  'sparse autoencoder': {
    outputs: 4,
    create: (options = {}) => new SparseAutoencoder({ hiddenUnits: 4, epochs: 3, batchSize: 32, ...options }),
    load: (dir, fitted) => SparseAutoencoder.load(dir, fitted.options),
  },
  'variational autoencoder': {
    outputs: 3,
    create: (options = {}) =>
      new VariationalAutoencoder({ latentSize: 3, encoderUnits: [8], epochs: 3, batchSize: 32, ...options }),
    load: (dir, fitted) => VariationalAutoencoder.load(dir, fitted.options),
  },
  'anomaly detector': {
    outputs: 3,
    create: (options = {}) =>
      new AnomalyDetector({ hiddenUnits: [8, 3], epochs: 3, batchSize: 32, ...options }),
    load: (dir) => AnomalyDetector.load(dir),
  },
};

describe.each(Object.entries(CASES))('unsupervised estimator contract: %s', (kind, contract) => {
  let model: UnsupervisedEstimator;
  let fitResult: UnsupervisedEstimator;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-unsupervised-'));
    model = contract.create();
    fitResult = await model.fit(train, { validation });
  });

  afterAll(async () => {
    await model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('names itself and starts unfitted', async () => {
    const fresh = contract.create();
    expect(fresh.kind).toBe(kind);
    expect(fresh.fitted).toBe(false);
    await expect(fresh.transform(train)).rejects.toThrow(NotFittedError);
    await expect(fresh.score(train)).rejects.toThrow(NotFittedError);
    await expect(fresh.save(join(dir, 'unfitted'))).rejects.toThrow(NotFittedError);
  });

  it('fit resolves to the same instance and marks it fitted for the training width', () => {
    expect(fitResult).toBe(model);
    expect(model.fitted).toBe(true);
    expect(model.nFeatures).toBe(FEATURES);
  });

  it('transform gives rows × its features and score one finite, non-negative value per row', async () => {
    const features = await model.transform(validation);
    expect([features.rows, features.cols]).toEqual([validation.rows, contract.outputs]);
    expect(features.data.every(Number.isFinite)).toBe(true);
    const scores = await model.score(validation);
    expect(scores).toHaveLength(validation.rows);
    expect(scores.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
  });

  it('is reproducible for a seed', async () => {
    const again = await contract.create().fit(train, { validation });
    expect(Array.from((await again.transform(validation)).data)).toEqual(
      Array.from((await model.transform(validation)).data),
    );
    await again.dispose();
  });

  it('rejects rows of another width with a usage error, in fit and afterwards', async () => {
    const wide = rows(3, 5, FEATURES + 1);
    for (const call of [() => model.transform(wide), () => model.score(wide)]) {
      const error: unknown = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(IotIdsError);
      expect((error as IotIdsError).kind).toBe('usage');
    }
    await expect(contract.create().fit(train, { validation: wide })).rejects.toThrow(IotIdsError);
  });

  it('rejects unknown and out-of-range options, naming them', () => {
    expect(() => contract.create({ noSuchOption: 1 })).toThrow(/unknown option "noSuchOption"/);
    expect(() => contract.create({ epochs: 0 })).toThrow(/option "epochs"/);
  });

  it('save then load gives the same features and scores', async () => {
    const saveDir = join(dir, 'roundtrip');
    const files = await model.save(saveDir);
    expect(files.length).toBeGreaterThan(0);
    const loaded = await contract.load(saveDir, model);
    expect(loaded.fitted).toBe(true);
    expect(loaded.nFeatures).toBe(FEATURES);
    expect(Array.from((await loaded.transform(validation)).data)).toEqual(
      Array.from((await model.transform(validation)).data),
    );
    expect(Array.from(await loaded.score(validation))).toEqual(Array.from(await model.score(validation)));
    await loaded.dispose();
  });
});
