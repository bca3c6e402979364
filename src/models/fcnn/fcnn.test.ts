import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, liveTensorCount } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import type { Callback, EpochLogs } from '../../fit/callbacks.js';
import { ModelCheckpoint, readLastCheckpoint } from '../../fit/model-checkpoint.js';
import { Random } from '../../util/random.js';
import { gaussianBlobs } from '../contract-cases.js';
import { balancedRowWeights } from '../class-weights.js';
import { FCNN_WEIGHTS, FcnnClassifier } from './fcnn.js';
import { lossAndAccuracy } from '../probability-metrics.js';

const blobs = gaussianBlobs({ seed: 3, rows: 600, features: 6, classes: 3, separation: 2 });
const small = { hiddenUnits: [16, 8], batchSize: 64 };

/** Records what the training loop reports. */
function recorder(): Callback & {
  begins: number[];
  epochs: { epoch: number; logs: EpochLogs }[];
  stopReason?: string;
} {
  const record = {
    begins: [] as number[],
    epochs: [] as { epoch: number; logs: EpochLogs }[],
    stopReason: undefined as string | undefined,
    onStageBegin: (info: { startEpoch: number }) => void record.begins.push(info.startEpoch),
    onEpochEnd: (epoch: number, logs: EpochLogs) => void record.epochs.push({ epoch, logs }),
    onStageEnd: (info: { stopReason?: string }) => {
      record.stopReason = info.stopReason;
    },
  };
  return record;
}

/** Rows of `x` whose label is noise: a validation set the network cannot learn, so its loss soon rises. */
function noisyValidation(seed: number, rows: number): { x: Matrix; y: Int32Array } {
  const random = new Random(seed);
  const set = gaussianBlobs({ seed, rows, features: 6, classes: 3, separation: 2 });
  return { x: set.x, y: Int32Array.from({ length: rows }, () => random.int(3)) };
}

describe('FcnnClassifier', () => {
  let dir: string;

  beforeAll(async () => {
    await initEngine();
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-fcnn-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('documents its defaults and rejects invalid options naming them', () => {
    expect(new FcnnClassifier().options).toMatchObject({
      hiddenUnits: [128, 64],
      dropout: 0.3,
      learningRate: 1e-3,
      epochs: 30,
      patience: 5,
      classWeight: null,
    });
    expect(() => new FcnnClassifier({ dropout: 1 })).toThrow(/"dropout"/);
    expect(() => new FcnnClassifier({ hiddenUnits: [] })).toThrow(/"hiddenUnits"/);
    expect(() => new FcnnClassifier({ batchSize: 0 })).toThrow(/"batchSize"/);
    expect(() => new FcnnClassifier({ nope: 1 } as never)).toThrow(IotIdsError);
  });

  it('is deterministic for a seed, with validation logs every epoch', async () => {
    const validation = noisyValidation(4, 90);
    const fit = async (seed: number) => {
      const record = recorder();
      const model = await new FcnnClassifier({ ...small, epochs: 4, patience: 10, seed }).fit(
        blobs.x,
        blobs.y,
        {
          nClasses: 3,
          validation,
          callbacks: [record],
        },
      );
      const proba = Array.from((await model.predictProba(blobs.x)).data);
      await model.dispose();
      return { proba, record };
    };
    const first = await fit(7);
    const again = await fit(7);
    expect(again.proba).toEqual(first.proba);
    expect(again.record.epochs).toEqual(
      first.record.epochs.map((e) => ({ ...e, logs: { ...e.logs, seconds: expect.any(Number) as number } })),
    );
    expect((await fit(8)).proba).not.toEqual(first.proba);
    expect(first.record.epochs).toHaveLength(4);
    for (const { logs } of first.record.epochs) {
      expect(logs.valLoss).toBeGreaterThan(0);
      expect(logs.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(logs.valAccuracy).toBeLessThanOrEqual(1);
      expect(logs.accuracy).toBeGreaterThan(0);
    }
  });

  it('leaves no tensors behind after fit, predict, save, load and dispose', async () => {
    const baseline = liveTensorCount();
    const model = await new FcnnClassifier({ ...small, epochs: 2 }).fit(blobs.x, blobs.y, {
      nClasses: 3,
      validation: noisyValidation(5, 60),
    });
    expect(liveTensorCount()).toBe(baseline);
    const proba = await model.predictProba(blobs.x);
    await model.save(join(dir, 'leaks'));
    const loaded = await FcnnClassifier.load(join(dir, 'leaks'), model.options);
    expect(Array.from((await loaded.predictProba(blobs.x)).data)).toEqual(Array.from(proba.data));
    await model.dispose();
    await loaded.dispose();
    expect(liveTensorCount()).toBe(baseline);
  });

  it('stops early on a rising validation loss and puts back the best epoch’s weights', async () => {
    const validation = noisyValidation(6, 120);
    const record = recorder();
    const model = await new FcnnClassifier({ ...small, epochs: 40, patience: 2, learningRate: 0.01 }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
        validation,
        callbacks: [record],
      },
    );
    expect(record.epochs.length).toBeLessThan(40);
    expect(record.stopReason).toMatch(/no valLoss improvement for 2 epochs/);
    const losses = record.epochs.map((e) => e.logs.valLoss!);
    const best = Math.min(...losses);
    // The last two epochs did not improve on the best, and the model now scores exactly the best epoch's loss.
    expect(losses.indexOf(best)).toBe(losses.length - 3);
    expect(lossAndAccuracy(await model.predictProba(validation.x), validation.y).loss).toBe(best);
    await model.dispose();
  });

  it('resumes from a checkpoint at the next epoch and ends exactly where an uninterrupted run does', async () => {
    const options = { ...small, epochs: 5, seed: 3 };
    const uninterrupted = await new FcnnClassifier(options).fit(blobs.x, blobs.y, { nClasses: 3 });
    const expected = Array.from((await uninterrupted.predictProba(blobs.x)).data);
    await uninterrupted.dispose();

    const checkpoints = join(dir, 'checkpoints');
    const crash: Callback = {
      onEpochEnd: (epoch) => {
        if (epoch === 2) throw new Error('simulated crash after epoch 3');
      },
    };
    await expect(
      new FcnnClassifier(options).fit(blobs.x, blobs.y, {
        nClasses: 3,
        callbacks: [new ModelCheckpoint({ dir: checkpoints }), crash],
      }),
    ).rejects.toThrow(/simulated crash/);
    const resumeFrom = await readLastCheckpoint(checkpoints);
    expect(resumeFrom?.state).toMatchObject({ stage: 'fcnn', epoch: 2 });

    const record = recorder();
    const resumed = await new FcnnClassifier(options).fit(blobs.x, blobs.y, {
      nClasses: 3,
      callbacks: [record],
      resumeFrom,
    });
    expect(record.begins).toEqual([3]);
    expect(record.epochs.map((e) => e.epoch)).toEqual([3, 4]);
    expect(Array.from((await resumed.predictProba(blobs.x)).data)).toEqual(expected);
    await resumed.dispose();
  });

  it("raises minority recall with classWeight 'balanced' on an imbalanced set", async () => {
    const set = imbalanced(21, 1500);
    const test = imbalanced(22, 3000);
    const recall = async (classWeight: 'balanced' | null) => {
      const model = await new FcnnClassifier({ ...small, epochs: 8, classWeight }).fit(set.x, set.y, {
        nClasses: 2,
      });
      const predicted = await model.predict(test.x);
      await model.dispose();
      let hit = 0;
      let total = 0;
      test.y.forEach((label, i) => {
        if (label !== 1) return;
        total++;
        if (predicted[i] === 1) hit++;
      });
      return hit / total;
    };
    const plain = await recall(null);
    const weighted = await recall('balanced');
    expect(weighted).toBeGreaterThan(plain + 0.2);
  });

  it('computes balanced row weights as n / (k · class count)', () => {
    const weights = balancedRowWeights(Int32Array.from([0, 0, 0, 1]), 2);
    expect(Array.from(weights)).toEqual([4 / 6, 4 / 6, 4 / 6, 2].map(Math.fround));
  });

  it('refuses a corrupted or mismatched weights file with an error naming it', async () => {
    const model = await new FcnnClassifier({ ...small, epochs: 1 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    const saveDir = join(dir, 'corrupt');
    expect(await model.save(saveDir)).toEqual([`${FCNN_WEIGHTS}.bin`, `${FCNN_WEIGHTS}.json`]);
    await model.dispose();

    const wrongShape = FcnnClassifier.load(saveDir, { hiddenUnits: [16, 4] });
    await expect(wrongShape).rejects.toThrow(/fcnn-weights\.json.*hidden blocks \[16, 8\].*\[16, 4\]/);

    const bin = join(saveDir, `${FCNN_WEIGHTS}.bin`);
    const bytes = await readFile(bin);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(bin, bytes);
    const error: unknown = await FcnnClassifier.load(saveDir, small).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/fcnn-weights\.bin.*checksum/);
  });

  it('rejects inputs of the wrong width and non-finite values', async () => {
    const model = await new FcnnClassifier({ ...small, epochs: 1 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    await expect(model.predictProba(createMatrix(1, 5))).rejects.toThrow(/5 features.*trained on 6/);
    const bad = createMatrix(1, 6, Float32Array.from([0, 0, Number.NaN, 0, 0, 0]));
    await expect(model.predictProba(bad)).rejects.toThrow(/row 0, column 2 is not finite/);
    await model.dispose();
  });
});

/** Two overlapping classes, 4 % of rows in class 1: an unweighted network mostly predicts class 0. */
function imbalanced(seed: number, rows: number): { x: Matrix; y: Int32Array } {
  const random = new Random(seed);
  const features = 4;
  const data = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = random.next() < 0.04 ? 1 : 0;
    for (let f = 0; f < features; f++)
      data[i * features + f] = random.normal() + (y[i] === 1 && f < 2 ? 1.2 : 0);
  }
  return { x: createMatrix(rows, features, data), y };
}
