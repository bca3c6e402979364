import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, liveTensorCount } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { CheckpointState } from '../../fit/model-checkpoint.js';
import { Random } from '../../util/random.js';
import { gaussianBlobs } from '../contract-cases.js';
import { writeWeights, type NamedWeights } from '../../fit/weights-file.js';
import { balancedClassWeights } from '../class-weights.js';
import { SvmClassifier } from './svm.js';

/** Two concentric rings (radius 1 and 2.5, noise 0.15): no line separates them, an RBF kernel does. */
function rings(seed: number, rows: number): { x: Matrix; y: Int32Array } {
  const random = new Random(seed);
  const data = new Float32Array(rows * 2);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = i % 2;
    const radius = (y[i] === 0 ? 1 : 2.5) + random.normal() * 0.15;
    const angle = random.next() * 2 * Math.PI;
    data[i * 2] = radius * Math.cos(angle);
    data[i * 2 + 1] = radius * Math.sin(angle);
  }
  return { x: createMatrix(rows, 2, data), y };
}

function accuracy(predicted: Int32Array, y: Int32Array): number {
  return predicted.filter((p, i) => p === y[i]).length / y.length;
}

function recall(predicted: Int32Array, y: Int32Array, c: number): number {
  let hit = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== c) continue;
    total++;
    if (predicted[i] === c) hit++;
  }
  return hit / total;
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IotIdsError);
  return error as Error;
}

const blobs = gaussianBlobs({ seed: 3, rows: 450, features: 4, classes: 3, separation: 4 });
const blobsTest = gaussianBlobs({ seed: 4, rows: 300, features: 4, classes: 3, separation: 4 });

describe('SvmClassifier', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-svm-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('separates well-separated blobs with the linear kernel', async () => {
    const model = await new SvmClassifier({ epochs: 15 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    expect(accuracy(await model.predict(blobsTest.x), blobsTest.y)).toBeGreaterThan(0.95);
  });

  it('learns concentric rings with the RBF kernel where the linear kernel cannot', async () => {
    const train = rings(1, 400);
    const test = rings(2, 400);
    const linear = await new SvmClassifier({ epochs: 20 }).fit(train.x, train.y, { nClasses: 2 });
    const rbf = await new SvmClassifier({ kernel: 'rbf', rffComponents: 256, epochs: 20 }).fit(
      train.x,
      train.y,
      { nClasses: 2 },
    );
    const linearAccuracy = accuracy(await linear.predict(test.x), test.y);
    const rbfAccuracy = accuracy(await rbf.predict(test.x), test.y);
    expect(linearAccuracy).toBeLessThan(0.75);
    expect(rbfAccuracy).toBeGreaterThan(0.95);
  });

  it('returns decision values whose signs and sizes read as margins, not probabilities', async () => {
    const model = await new SvmClassifier({ epochs: 15 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    const scores = await model.decisionFunction(blobsTest.x);
    let ownPositiveOthersNegative = 0;
    let sumNotOne = 0;
    for (let i = 0; i < scores.rows; i++) {
      const row = Array.from(scores.data.subarray(i * 3, i * 3 + 3));
      const own = row[blobsTest.y[i]];
      if (own > 0 && row.every((v, c) => c === blobsTest.y[i] || v < 0)) ownPositiveOthersNegative++;
      if (Math.abs(row.reduce((a, b) => a + b, 0) - 1) > 0.01) sumNotOne++;
    }
    expect(ownPositiveOthersNegative / scores.rows).toBeGreaterThan(0.85);
    expect(sumNotOne / scores.rows).toBeGreaterThan(0.9);
    // Deeper inside class 0's blob (further along feature 0) means a larger class-0 margin.
    const probe = createMatrix(3, 4, Float32Array.of(0, 0, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0));
    const margins = (await model.decisionFunction(probe)).data;
    expect(margins[3]).toBeGreaterThan(margins[0]);
    expect(margins[6]).toBeGreaterThan(margins[3]);
    expect(margins[3]).toBeGreaterThan(0);
    expect(margins[4]).toBeLessThan(0);
  });

  it('is deterministic for a seed, for both kernels', async () => {
    for (const kernel of ['linear', 'rbf'] as const) {
      const fit = (seed: number) =>
        new SvmClassifier({ kernel, rffComponents: 64, epochs: 3, seed }).fit(blobs.x, blobs.y, {
          nClasses: 3,
        });
      const a = await (await fit(7)).decisionFunction(blobsTest.x);
      const b = await (await fit(7)).decisionFunction(blobsTest.x);
      const c = await (await fit(8)).decisionFunction(blobsTest.x);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    }
  });

  it('save then load (with a prefix, for composite models) gives identical decision values', async () => {
    const options = { kernel: 'rbf', rffComponents: 48, epochs: 3 } as const;
    const model = await new SvmClassifier(options).fit(blobs.x, blobs.y, { nClasses: 3 });
    const files = await model.save(join(dir, 'roundtrip'), 'head');
    expect(files.sort()).toEqual(['head.bin', 'head.json']);
    const loaded = await SvmClassifier.load(join(dir, 'roundtrip'), options, 'head');
    expect(loaded.fitted).toBe(true);
    expect(Array.from((await loaded.decisionFunction(blobsTest.x)).data)).toEqual(
      Array.from((await model.decisionFunction(blobsTest.x)).data),
    );
  });

  it('balanced class weights raise the recall of a minority class', async () => {
    // Class 2 has 1 row in 20 and overlaps its neighbours, so unweighted training neglects it.
    const random = new Random(6);
    const rows = 1200;
    const data = new Float32Array(rows * 2);
    const y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      y[i] = i % 20 === 0 ? 2 : i % 2;
      const centre = [
        [0, 0],
        [2, 0],
        [1, 1.2],
      ][y[i]];
      data[i * 2] = centre[0] + random.normal() * 0.7;
      data[i * 2 + 1] = centre[1] + random.normal() * 0.7;
    }
    const x = createMatrix(rows, 2, data);
    const plain = await new SvmClassifier({ epochs: 20 }).fit(x, y, { nClasses: 3 });
    const balanced = await new SvmClassifier({ epochs: 20, classWeight: 'balanced' }).fit(x, y, {
      nClasses: 3,
    });
    const plainRecall = recall(await plain.predict(x), y, 2);
    const balancedRecall = recall(await balanced.predict(x), y, 2);
    expect(balancedRecall).toBeGreaterThan(plainRecall + 0.2);
    expect(Array.from(balancedClassWeights(Int32Array.of(0, 0, 0, 1), 3))).toEqual([4 / 9, 4 / 3, 0]);
  });

  it('resumes from a mid-training checkpoint to exactly the weights of an uninterrupted run', async () => {
    const options = { kernel: 'rbf', rffComponents: 32, epochs: 6 } as const;
    const full = await new SvmClassifier(options).fit(blobs.x, blobs.y, { nClasses: 3 });
    let saved: { state: CheckpointState; weights: NamedWeights } | undefined;
    const epochsSeen: number[] = [];
    await new SvmClassifier(options).fit(blobs.x, blobs.y, {
      nClasses: 3,
      callbacks: [
        {
          onEpochEnd: (epoch, logs: EpochLogs, control) => {
            if (epoch === 2) {
              saved = {
                state: { formatVersion: 1, stage: control.stage, epoch, logs },
                weights: control.getWeights(),
              };
              control.stop('simulated crash');
            }
          },
        },
      ],
    });
    expect(saved?.state.stage).toBe('svm');
    const resumed = await new SvmClassifier(options).fit(blobs.x, blobs.y, {
      nClasses: 3,
      resumeFrom: saved,
      callbacks: [{ onEpochEnd: (epoch) => void epochsSeen.push(epoch) }],
    });
    expect(epochsSeen).toEqual([3, 4, 5]);
    expect(Array.from(resumed.getWeights()['svm/weight'].data)).toEqual(
      Array.from(full.getWeights()['svm/weight'].data),
    );
  });

  it('refuses to resume from a checkpoint of another shape or kernel', async () => {
    const linear = await new SvmClassifier({ epochs: 1 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    const state: CheckpointState = { formatVersion: 1, stage: 'svm', epoch: 0, logs: { loss: 1 } };
    const rbf = new SvmClassifier({ kernel: 'rbf', epochs: 2 });
    const error = await errorOf(
      rbf.fit(blobs.x, blobs.y, { nClasses: 3, resumeFrom: { state, weights: linear.getWeights() } }),
    );
    expect(error.message).toMatch(/cannot resume.*linear SVM for 4 features and 3 classes/);
  });

  it('stops early on the validation loss and keeps the best epoch', async () => {
    const validation = gaussianBlobs({ seed: 9, rows: 150, features: 4, classes: 3, separation: 4 });
    const logs: EpochLogs[] = [];
    const model = await new SvmClassifier({ epochs: 200, patience: 2, learningRate: 0.05 }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
        validation,
        callbacks: [{ onEpochEnd: (_e, l) => void logs.push(l) }],
      },
    );
    expect(logs.length).toBeLessThan(200);
    expect(logs.every((l) => l.valLoss !== undefined && l.valAccuracy !== undefined)).toBe(true);
    const best = Math.min(...logs.map((l) => l.valLoss ?? Infinity));
    // Restored weights reproduce the best validation loss.
    const scores = await model.decisionFunction(validation.x);
    let loss = 0;
    for (let i = 0; i < validation.x.rows; i++) {
      for (let c = 0; c < 3; c++) {
        const margin = 1 - (validation.y[i] === c ? 1 : -1) * scores.data[i * 3 + c];
        if (margin > 0) loss += margin * margin;
      }
    }
    expect(loss / validation.x.rows).toBeCloseTo(best, 4);
  });

  it('names the file when a saved file is corrupted, and the tensor when a shape is wrong', async () => {
    const model = await new SvmClassifier({ epochs: 1 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    const flipped = join(dir, 'flipped');
    await model.save(flipped);
    const bin = await readFile(join(flipped, 'svm.bin'));
    bin[5] ^= 0xff;
    await writeFile(join(flipped, 'svm.bin'), bin);
    expect((await errorOf(SvmClassifier.load(flipped, {}))).message).toMatch(/svm\.bin.*checksum/);

    const badShape = join(dir, 'bad-shape');
    const weights = model.getWeights();
    await writeWeights(badShape, 'svm', {
      'svm/weight': weights['svm/weight'],
      'svm/bias': { shape: [2], data: new Float32Array(2) },
    });
    const shapeError = await errorOf(SvmClassifier.load(badShape, {}));
    expect(shapeError.message).toMatch(/svm\.bin.*svm\/bias.*shape \[2\], expected \[3\]/);

    await model.save(join(dir, 'linear'));
    const kernelError = await errorOf(SvmClassifier.load(join(dir, 'linear'), { kernel: 'rbf' }));
    expect(kernelError.message).toMatch(/linear kernel but the options say "rbf"/);
  });

  it("getWeights / setWeights move a fitted head between instances, ignoring other models' tensors", async () => {
    const model = await new SvmClassifier({ kernel: 'rbf', rffComponents: 16, epochs: 2 }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
      },
    );
    const other = new SvmClassifier({ kernel: 'rbf', rffComponents: 16 });
    other.setWeights({ ...model.getWeights(), 'encoder/kernel': { shape: [1], data: Float32Array.of(1) } });
    expect(other.fitted).toBe(true);
    expect(Array.from((await other.decisionFunction(blobsTest.x)).data)).toEqual(
      Array.from((await model.decisionFunction(blobsTest.x)).data),
    );
    expect(() => other.setWeights({})).toThrow(/"svm\/weight" is missing/);
  });

  it('is not left fitted when training fails', async () => {
    const model = new SvmClassifier({ epochs: 3 });
    const error = await errorOf(
      model.fit(blobs.x, blobs.y, {
        nClasses: 3,
        callbacks: [
          {
            onEpochEnd: () => {
              throw new IotIdsError('disk full');
            },
          },
        ],
      }),
    );
    expect(error.message).toBe('disk full');
    expect(model.fitted).toBe(false);
  });

  it('rejects inputs of the wrong width or with non-finite values, naming row and column', async () => {
    const model = await new SvmClassifier({ epochs: 1 }).fit(blobs.x, blobs.y, { nClasses: 3 });
    await expect(model.predict(createMatrix(1, 3))).rejects.toThrow(/3 features, the model was trained on 4/);
    const bad = createMatrix(2, 4, Float32Array.of(0, 0, 0, 0, 0, Number.NaN, 0, 0));
    await expect(model.predict(bad)).rejects.toThrow(/row 1, column 1/);
    await expect(new SvmClassifier().fit(bad, Int32Array.of(0, 1), { nClasses: 2 })).rejects.toThrow(/row 1/);
    await expect(new SvmClassifier().fit(blobs.x, blobs.y, { nClasses: 2 })).rejects.toThrow(
      /outside \[0, 2\)/,
    );
  });

  it('leaves no tensor behind in the engine after fit, predict, save and load', async () => {
    await initEngine();
    const before = liveTensorCount();
    const model = await new SvmClassifier({ kernel: 'rbf', rffComponents: 16, epochs: 1 }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
      },
    );
    await model.predict(blobsTest.x);
    await model.save(join(dir, 'engine'));
    await (await SvmClassifier.load(join(dir, 'engine'), model.options)).dispose();
    await model.dispose();
    expect(liveTensorCount()).toBe(before);
  });
});
