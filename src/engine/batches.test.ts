import { beforeAll, describe, expect, it } from 'vitest';

import { IotIdsError } from '../errors.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import { miniBatches, predictInBatches, type MiniBatch } from './batches.js';
import * as tf from '@tensorflow/tfjs';
import { initEngine, liveTensorCount } from './index.js';

/** Row i holds i*10, i*10+1, … so every batch row reveals which source row it came from. */
function numberedRows(rows: number, cols: number): Matrix {
  return createMatrix(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, (_, k) => Math.floor(k / cols) * 10 + (k % cols)),
  );
}

function sourceRowsOf(batch: MiniBatch, cols: number): number[] {
  const values = batch.xs.dataSync();
  return Array.from({ length: batch.size }, (_, i) => values[i * cols] / 10);
}

function disposeBatch(batch: MiniBatch): void {
  tf.dispose([batch.xs, ...(batch.ys ? [batch.ys] : []), ...(batch.weights ? [batch.weights] : [])]);
}

function collectRows(
  x: Matrix,
  options: Parameters<typeof miniBatches>[1],
): { sizes: number[]; rows: number[] } {
  const sizes: number[] = [];
  const rows: number[] = [];
  for (const batch of miniBatches({ x }, options)) {
    sizes.push(batch.size);
    rows.push(...sourceRowsOf(batch, x.cols));
    disposeBatch(batch);
  }
  return { sizes, rows };
}

describe('miniBatches', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('covers every row once, in full batches and a smaller last one', () => {
    const x = numberedRows(23, 3);
    const { sizes, rows } = collectRows(x, { batchSize: 5, random: new Random(1) });
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  it('keeps row order without a generator and shuffles reproducibly with one', () => {
    const x = numberedRows(40, 2);
    expect(collectRows(x, { batchSize: 16 }).rows).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const seeded = collectRows(x, { batchSize: 16, random: new Random(9) }).rows;
    expect(collectRows(x, { batchSize: 16, random: new Random(9) }).rows).toEqual(seeded);
    expect(collectRows(x, { batchSize: 16, random: new Random(10) }).rows).not.toEqual(seeded);
    expect(seeded).not.toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('copies whole feature rows and matching targets and weights', () => {
    const x = numberedRows(10, 4);
    const y = Int32Array.from({ length: 10 }, (_, i) => i % 3);
    const weights = Float32Array.from({ length: 10 }, (_, i) => i / 2);
    for (const batch of miniBatches({ x, y, weights }, { batchSize: 4, oneHot: 3, random: new Random(2) })) {
      const rows = sourceRowsOf(batch, 4);
      expect(batch.xs.shape).toEqual([batch.size, 4]);
      expect(batch.xs.arraySync()).toEqual(rows.map((r) => [0, 1, 2, 3].map((c) => r * 10 + c)));
      expect(batch.ys!.dtype).toBe('float32');
      expect(batch.ys!.arraySync()).toEqual(rows.map((r) => [0, 1, 2].map((c) => (c === r % 3 ? 1 : 0))));
      expect(Array.from(batch.weights!.dataSync())).toEqual(rows.map((r) => r / 2));
      disposeBatch(batch);
    }
  });

  it('gives int32 labels without oneHot, float targets for a matrix, and reshapes rows', () => {
    const x = numberedRows(6, 6);
    const y = Int32Array.from([4, 0, 3, 1, 2, 5]);
    const [labelled] = miniBatches({ x, y }, { batchSize: 6 });
    expect(labelled.ys!.dtype).toBe('int32');
    expect(Array.from(labelled.ys!.dataSync())).toEqual([4, 0, 3, 1, 2, 5]);
    disposeBatch(labelled);

    const [reconstruct] = miniBatches({ x, y: x }, { batchSize: 2, rowShape: [2, 3] });
    expect(reconstruct.xs.shape).toEqual([2, 2, 3]);
    expect(reconstruct.ys!.shape).toEqual([2, 6]);
    expect(Array.from(reconstruct.ys!.dataSync())).toEqual(Array.from(x.data.subarray(0, 12)));
    disposeBatch(reconstruct);
  });

  it('draws only from the given rows', () => {
    const x = numberedRows(30, 2);
    const { rows } = collectRows(x, { batchSize: 4, rows: [29, 3, 17, 8, 0], random: new Random(4) });
    expect([...rows].sort((a, b) => a - b)).toEqual([0, 3, 8, 17, 29]);
  });

  it('creates tensors lazily: an abandoned epoch leaks nothing', () => {
    const before = liveTensorCount();
    const epoch = miniBatches({ x: numberedRows(100, 2) }, { batchSize: 10 });
    const first = epoch.next();
    expect(liveTensorCount()).toBe(before + 1);
    if (!first.done) disposeBatch(first.value);
    epoch.return(undefined);
    expect(liveTensorCount()).toBe(before);
  });

  it('rejects inconsistent inputs with IotIdsError', () => {
    const x = numberedRows(5, 4);
    const first =
      (source: Parameters<typeof miniBatches>[0], options: Parameters<typeof miniBatches>[1]) => () =>
        miniBatches(source, options).next();
    expect(first({ x }, { batchSize: 0 })).toThrow(IotIdsError);
    expect(first({ x }, { batchSize: 2, rowShape: [3, 2] })).toThrow(/rowShape/);
    expect(first({ x, y: new Int32Array(4) }, { batchSize: 2 })).toThrow(/5 feature rows but 4 targets/);
    expect(first({ x, weights: new Float32Array(6) }, { batchSize: 2 })).toThrow(/weights/);
    expect(first({ x }, { batchSize: 2, rows: [0, 5] })).toThrow(/row index 5/);
    expect(first({ x, y: Int32Array.from([0, 1, 2, 3, 1]) }, { batchSize: 5, oneHot: 3 })).toThrow(/label 3/);
  });
});

describe('predictInBatches', () => {
  it('matches one forward pass over all rows and leaks nothing', async () => {
    await initEngine();
    const random = new Random(5);
    const x = createMatrix(
      1000,
      7,
      Float32Array.from({ length: 7000 }, () => random.normal()),
    );
    const weights = tf.tensor2d(
      Float32Array.from({ length: 21 }, () => random.normal()),
      [7, 3],
    );
    const forward = (xs: tf.Tensor) => tf.softmax(tf.matMul(xs as tf.Tensor2D, weights));
    const before = liveTensorCount();
    const batched = predictInBatches(x, forward, { batchSize: 300 });
    expect(liveTensorCount()).toBe(before);
    const whole = tf.tidy(() => forward(tf.tensor2d(x.data, [1000, 7])).dataSync());
    expect(batched.rows).toBe(1000);
    expect(batched.cols).toBe(3);
    for (let i = 0; i < whole.length; i++) expect(batched.data[i]).toBeCloseTo(whole[i], 6);
    weights.dispose();
  });
});
