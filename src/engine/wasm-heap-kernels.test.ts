import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../util/random.js';
import * as tf from '@tensorflow/tfjs';
import { initEngine, wasmKernelsPatched } from './index.js';
import { maxDifferenceToCpu, randomInput, runOn, toTensor, TOLERANCE } from './test-helpers/cpu-reference.js';

describe('heap kernels (patched wasm) match the cpu backend', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', patchKernels: true });
    expect(wasmKernelsPatched()).toBe(true);
  });

  const SLICES: { name: string; shape: number[]; begin: number[]; size: number[] }[] = [
    { name: '1-D', shape: [50], begin: [7], size: [30] },
    { name: '2-D contiguous rows', shape: [40, 12], begin: [5, 0], size: [16, 12] },
    { name: '2-D to the end (size -1)', shape: [40, 12], begin: [33, 0], size: [-1, -1] },
    { name: '2-D column block', shape: [40, 12], begin: [5, 3], size: [16, 4] },
    { name: '3-D contiguous', shape: [6, 5, 4], begin: [2, 0, 0], size: [3, 5, 4] },
    { name: '3-D strided', shape: [6, 5, 4], begin: [1, 1, 2], size: [4, 3, 2] },
    { name: '4-D contiguous', shape: [3, 4, 5, 6], begin: [1, 0, 0, 0], size: [2, 4, 5, 6] },
    { name: '4-D strided', shape: [3, 4, 5, 6], begin: [0, 1, 2, 1], size: [3, 2, 3, 4] },
    { name: '4-D single element', shape: [3, 4, 5, 6], begin: [2, 3, 4, 5], size: [1, 1, 1, 1] },
  ];

  it.each(SLICES)('slice $name', async ({ shape, begin, size }) => {
    const x = randomInput(new Random(5), shape);
    const difference = await maxDifferenceToCpu(() => tf.slice(toTensor(x), begin, size));
    expect(difference).toBe(0);
  });

  const TILES: { shape: number[]; reps: number[] }[] = [
    { shape: [5], reps: [3] },
    { shape: [2, 3], reps: [3, 2] },
    { shape: [1, 64], reps: [37, 1] },
    { shape: [4, 1], reps: [1, 5] },
    { shape: [3, 1, 2], reps: [2, 4, 1] },
    // What the gradient of tf.batchNorm asks for during training.
    { shape: [1, 1, 1, 16], reps: [29, 1, 1, 1] },
    { shape: [2, 3, 1, 2], reps: [1, 2, 3, 2] },
    { shape: [2, 2], reps: [1, 1] },
  ];

  it.each(TILES)('tile $shape by $reps', async ({ shape, reps }) => {
    const x = randomInput(new Random(8), shape);
    const difference = await maxDifferenceToCpu(() => tf.tile(toTensor(x), reps));
    expect(difference).toBe(0);
  });

  it('tile keeps int32 and bool data intact', async () => {
    const ints = await runOn('wasm', () => tf.tile(tf.tensor([[1, -2]], [1, 2], 'int32'), [2, 2]).toFloat());
    expect(Array.from(ints)).toEqual([1, -2, 1, -2, 1, -2, 1, -2]);
    const flags = await runOn('wasm', () => tf.tile(tf.tensor([true, false], [2], 'bool'), [3]).toFloat());
    expect(Array.from(flags)).toEqual([1, 0, 1, 0, 1, 0]);
  });

  const GATHERS: { name: string; shape: number[]; indices: number[]; axis: number; batchDims?: number }[] = [
    { name: 'rows of a matrix (model.fit)', shape: [300, 12], indices: [299, 0, 17, 17, 150], axis: 0 },
    { name: 'middle axis', shape: [3, 7, 9], indices: [6, 0, 2], axis: 1 },
    { name: 'last axis (shipped kernel)', shape: [4, 10], indices: [9, 1], axis: 1 },
    { name: 'with batch dims', shape: [2, 5, 8], indices: [4, 1, 0, 3], axis: 1, batchDims: 1 },
  ];

  it.each(GATHERS)('gather $name', async ({ shape, indices, axis, batchDims }) => {
    const x = randomInput(new Random(9), shape);
    const indexShape = batchDims ? [shape[0], indices.length / shape[0]] : [indices.length];
    const difference = await maxDifferenceToCpu(() =>
      tf.gather(toTensor(x), tf.tensor(indices, indexShape, 'int32'), axis, batchDims),
    );
    expect(difference).toBe(0);
  });

  it('gather keeps int32 data and rejects indices out of range', async () => {
    const ints = Int32Array.from({ length: 40 }, (_, i) => i - 20);
    const gathered = await runOn('wasm', () =>
      tf.gather(tf.tensor(ints, [4, 10], 'int32'), [3, 1], 0).toFloat(),
    );
    expect(Array.from(gathered)).toEqual([...ints.slice(30, 40), ...ints.slice(10, 20)]);
    await tf.setBackend('wasm');
    const before = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      const x = tf.ones([4, 10]);
      expect(() => tf.gather(x, [1, 4], 0)).toThrow(/index 4/);
    });
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  const REDUCTIONS: { name: string; shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
    { name: 'batch axis of a matrix', shape: [257, 13], axis: 0 },
    { name: 'batch axis, keepDims', shape: [64, 5], axis: 0, keepDims: true },
    { name: 'two leading axes of 4-D', shape: [3, 4, 5, 6], axis: [1, 0] },
    { name: 'last axis (shipped kernel)', shape: [9, 7], axis: 1 },
    { name: 'middle axis (shipped kernel)', shape: [3, 4, 5], axis: 1 },
    { name: 'all axes (shipped kernel)', shape: [6, 7], axis: [0, 1] },
  ];

  it.each(REDUCTIONS)('sum and mean over $name', async ({ shape, axis, keepDims }) => {
    const x = randomInput(new Random(10), shape);
    const sums = await maxDifferenceToCpu(() => tf.sum(toTensor(x), axis, keepDims));
    const means = await maxDifferenceToCpu(() => tf.mean(toTensor(x), axis, keepDims));
    expect(sums).toBeLessThanOrEqual(TOLERANCE);
    expect(means).toBeLessThanOrEqual(TOLERANCE);
    const shapes = await runOn('wasm', () => tf.tensor(tf.sum(toTensor(x), axis, keepDims).shape));
    const cpuShapes = await runOn('cpu', () => tf.tensor(tf.sum(toTensor(x), axis, keepDims).shape));
    expect(Array.from(shapes)).toEqual(Array.from(cpuShapes));
  });

  it('sum of int32 keeps its dtype (shipped kernel)', async () => {
    const sums = await runOn('wasm', () =>
      tf
        .sum(
          tf.tensor(
            [
              [1, 2],
              [3, 4],
            ],
            [2, 2],
            'int32',
          ),
          0,
        )
        .toFloat(),
    );
    expect(Array.from(sums)).toEqual([4, 6]);
  });

  it('slice keeps int32 and bool data intact', async () => {
    const ints = Int32Array.from({ length: 60 }, (_, i) => i * 7 - 100);
    const sliced = await runOn('wasm', () =>
      tf.slice(tf.tensor(ints, [6, 10], 'int32'), [1, 2], [3, 5]).toFloat(),
    );
    expect(Array.from(sliced)).toEqual(
      [1, 2, 3].flatMap((row) => [2, 3, 4, 5, 6].map((col) => (row * 10 + col) * 7 - 100)),
    );
    const flags = await runOn('wasm', () =>
      tf.slice(tf.tensor([true, false, true, true], [4], 'bool'), [1], [3]).toFloat(),
    );
    expect(Array.from(flags)).toEqual([0, 1, 1]);
  });

  it('slice of a dataset-sized tensor (heap growth while allocating the output)', async () => {
    const x = randomInput(new Random(6), [20_000, 122]);
    const difference = await maxDifferenceToCpu(() => {
      const data = toTensor(x);
      // Many outputs in one tidy: later mallocs may grow the heap after earlier views were taken.
      const parts = [0, 5000, 10_000, 19_744].map((start) => tf.slice(data, [start, 0], [256, 122]));
      return tf.concat(parts);
    });
    expect(difference).toBe(0);
  });
});
