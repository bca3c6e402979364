import { mkdtemp, rm, stat } from 'node:fs/promises';
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
import { BiGruClassifier, type BiGruOptions } from './bigru.js';

const blobs = gaussianBlobs({ seed: 3, rows: 300, features: 6, classes: 3 });
const small: Partial<BiGruOptions> = {
  timesteps: 3,
  featuresPerStep: 2,
  units: 6,
  batchSize: 64,
  learningRate: 0.01,
};
let dir: string;

beforeAll(async () => {
  await initEngine();
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-bigru-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Two large overlapping classes and a small one (`minority` rows per 400 of the others). */
function imbalanced(seed: number, perClass: number, minority: number): { x: Matrix; y: Int32Array } {
  const random = new Random(seed);
  const rows = 2 * perClass + minority;
  const x = new Float32Array(rows * 4);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i < 2 * perClass ? i % 2 : 2;
    y[i] = c;
    for (let f = 0; f < 4; f++) x[i * 4 + f] = random.normal() + (f === c ? 1.5 : 0);
  }
  return { x: createMatrix(rows, 4, x), y };
}

function recall(predicted: Int32Array, y: Int32Array, c: number): number {
  let hit = 0;
  let total = 0;
  y.forEach((label, i) => {
    if (label !== c) return;
    total++;
    if (predicted[i] === c) hit++;
  });
  return hit / total;
}

describe('BiGruClassifier', () => {
  it('rejects a sequence shape that does not multiply out to the input width, naming both', async () => {
    const model = new BiGruClassifier({ ...small, timesteps: 4, featuresPerStep: 2, epochs: 1 });
    const error: unknown = await model.fit(blobs.x, blobs.y, { nClasses: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as IotIdsError).kind).toBe('usage');
    expect((error as Error).message).toMatch(/6 values per row.*timesteps 4 × featuresPerStep 2 = 8/);
    const indivisible = new BiGruClassifier({ featuresPerStep: 4, epochs: 1 });
    await expect(indivisible.fit(blobs.x, blobs.y, { nClasses: 3 })).rejects.toThrow(
      /6 values per row, which featuresPerStep 4 does not divide/,
    );
  });

  it('rejects invalid options with a message naming the option', () => {
    expect(() => new BiGruClassifier({ units: 0 })).toThrow(/"units"/);
    expect(() => new BiGruClassifier({ resetAfter: 'yes' as unknown as boolean })).toThrow(/"resetAfter"/);
  });

  it('leaves no engine tensors behind after fit, predict, save and load', async () => {
    const before = liveTensorCount();
    const model = await new BiGruClassifier({ ...small, epochs: 2 }).fit(blobs.x, blobs.y, {
      nClasses: 3,
      validation: { x: blobs.x, y: blobs.y },
    });
    await model.predictProba(blobs.x);
    await model.save(join(dir, 'leaks'));
    const loaded = await BiGruClassifier.load(join(dir, 'leaks'), model.options);
    await loaded.predict(blobs.x);
    await model.dispose();
    await loaded.dispose();
    expect(liveTensorCount()).toBe(before);
  });

  it('saves under a prefix beside other files and loads identical probabilities; rejects a different shape', async () => {
    const model = await new BiGruClassifier({ ...small, epochs: 2 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    const target = join(dir, 'prefixed');
    const files = await model.save(target, 'part-');
    expect(files).toEqual(['part-bigru-weights.bin', 'part-bigru-weights.json']);
    for (const file of files) expect((await stat(join(target, file))).isFile()).toBe(true);
    const loaded = await BiGruClassifier.load(target, model.options, 'part-');
    expect(Array.from((await loaded.predictProba(blobs.x)).data)).toEqual(
      Array.from((await model.predictProba(blobs.x)).data),
    );
    expect(loaded.getWeights('p/')['p/output/kernel'].shape).toEqual([12, 3]);
    await expect(
      BiGruClassifier.load(target, { ...model.options, timesteps: 2, featuresPerStep: 3 }, 'part-'),
    ).rejects.toThrow(/part-bigru-weights\.json.*reads 3 × 2 steps/);
    await expect(loaded.predictProba(createMatrix(1, 4))).rejects.toThrow(
      /4 features, the model was trained on 6/,
    );
  });

  it('resumed from the last checkpoint on disk after a crash, ends exactly where the uninterrupted run ends', async () => {
    const options = { ...small, epochs: 4 };
    const full = await new BiGruClassifier(options).fit(blobs.x, blobs.y, { nClasses: 3 });
    const checkpoints = join(dir, 'checkpoints');
    const crash: Callback = {
      onEpochEnd: (epoch) => {
        if (epoch === 1) throw new Error('simulated crash after epoch 2');
      },
    };
    await expect(
      new BiGruClassifier(options).fit(blobs.x, blobs.y, {
        nClasses: 3,
        callbacks: [new ModelCheckpoint({ dir: checkpoints }), crash],
      }),
    ).rejects.toThrow(/simulated crash/);
    const resumeFrom = await readLastCheckpoint(checkpoints);
    expect(resumeFrom?.state).toMatchObject({ stage: 'bigru', epoch: 1 });
    expect(resumeFrom?.weights['adam/iterations'].data[0]).toBe(2 * Math.ceil(300 / 64));
    const epochs: number[] = [];
    const resumed = await new BiGruClassifier(options).fit(blobs.x, blobs.y, {
      nClasses: 3,
      resumeFrom,
      callbacks: [{ onEpochEnd: (epoch) => void epochs.push(epoch) }],
    });
    expect(epochs).toEqual([2, 3]);
    expect(Array.from((await resumed.predictProba(blobs.x)).data)).toEqual(
      Array.from((await full.predictProba(blobs.x)).data),
    );
  });

  it("reports validation loss and accuracy per epoch and learns with tf.layers.gru's reset convention", async () => {
    const logs: EpochLogs[] = [];
    const model = await new BiGruClassifier({ ...small, epochs: 6, resetAfter: false }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
        validation: { x: blobs.x, y: blobs.y },
        callbacks: [{ onEpochEnd: (_epoch, epochLogs) => void logs.push(epochLogs) }],
      },
    );
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((l) => Number.isFinite(l.valLoss) && l.valAccuracy !== undefined)).toBe(true);
    expect(logs[logs.length - 1].valLoss).toBeLessThan(logs[0].valLoss as number);
    const predicted = await model.predict(blobs.x);
    expect(predicted.filter((p, i) => p === blobs.y[i]).length / blobs.y.length).toBeGreaterThan(0.9);
  });

  it("'balanced' class weights raise the minority class's recall", async () => {
    const train = imbalanced(5, 400, 16);
    const test = imbalanced(6, 400, 200);
    const options = {
      timesteps: 4,
      featuresPerStep: 1,
      units: 6,
      batchSize: 64,
      learningRate: 0.01,
      epochs: 6,
    };
    const plain = await new BiGruClassifier(options).fit(train.x, train.y, { nClasses: 3 });
    const weighted = await new BiGruClassifier({ ...options, classWeight: 'balanced' }).fit(
      train.x,
      train.y,
      {
        nClasses: 3,
      },
    );
    const plainRecall = recall(await plain.predict(test.x), test.y, 2);
    const weightedRecall = recall(await weighted.predict(test.x), test.y, 2);
    expect(weightedRecall).toBeGreaterThan(plainRecall + 0.3);
  });

  it('tempers balanced class weights: power 1 is balanced, power 0 weighs every row alike', async () => {
    const train = imbalanced(5, 200, 8);
    const test = imbalanced(6, 50, 50);
    const options = {
      timesteps: 4,
      featuresPerStep: 1,
      units: 6,
      batchSize: 64,
      learningRate: 0.01,
      epochs: 3,
    };
    const probabilities = async (extra: Partial<BiGruOptions>): Promise<Float32Array> => {
      const model = await new BiGruClassifier({ ...options, ...extra }).fit(train.x, train.y, {
        nClasses: 3,
      });
      const p = (await model.predictProba(test.x)).data;
      await model.dispose();
      return p;
    };
    const close = (a: Float32Array, b: Float32Array): number =>
      Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    const plain = await probabilities({});
    const balanced = await probabilities({ classWeight: 'balanced' });
    expect(close(await probabilities({ classWeight: 'balanced', classWeightPower: 1 }), balanced)).toBe(0);
    expect(close(await probabilities({ classWeight: 'balanced', classWeightPower: 0 }), plain)).toBeLessThan(
      1e-5,
    );
    // The weights do act: balanced training moves the minority class's probabilities.
    expect(close(balanced, plain)).toBeGreaterThan(0.01);
  });

  it('refuses classWeightPower or classWeightMax without balanced weights', async () => {
    const model = new BiGruClassifier({ ...small, classWeightMax: 10 });
    await expect(model.fit(blobs.x, blobs.y, { nClasses: 3 })).rejects.toThrow(
      /bigru: classWeightPower and classWeightMax need classWeight "balanced"/,
    );
  });

  it('stops with a message naming the stage, epoch and batch when the loss stops being finite', async () => {
    const model = new BiGruClassifier({ ...small, learningRate: 1e38, epochs: 3 });
    await expect(model.fit(blobs.x, blobs.y, { nClasses: 3 })).rejects.toThrow(
      /the bigru loss became (NaN|-?Infinity) at epoch \d+, batch \d+/,
    );
  });
});
