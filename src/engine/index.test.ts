import { afterAll, describe, expect, it, vi } from 'vitest';

import { Random } from '../util/random.js';
import * as tf from '@tensorflow/tfjs';
import { initEngine, liveTensorCount, miniBatches, seedEngine, wasmKernelsPatched } from './index.js';

describe('initEngine', () => {
  afterAll(() => {
    vi.unstubAllGlobals();
  });

  it('loads the wasm binary from node_modules without the network', async () => {
    // Runs first in this file's fresh process, so this is the call that instantiates the binary.
    const fetchSpy = vi.fn(() => Promise.reject(new Error('network access attempted')));
    vi.stubGlobal('fetch', fetchSpy);
    const info = await initEngine();
    expect(info).toEqual({ backend: 'wasm', simd: true, threads: 1 });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsPatched()).toBe(true);
  });

  it('is idempotent, also when called concurrently', async () => {
    const first = await initEngine();
    const batchMatMul = tf.getKernel(tf.BatchMatMul, 'wasm').kernelFunc;
    const again = await Promise.all([initEngine(), initEngine({ backend: 'wasm', patchKernels: true })]);
    expect(again).toEqual([first, first]);
    expect(tf.getKernel(tf.BatchMatMul, 'wasm').kernelFunc).toBe(batchMatMul);
  });

  it('follows its options: switches backend and patches, and back', async () => {
    expect(await initEngine({ backend: 'cpu' })).toEqual({ backend: 'cpu', simd: false, threads: 1 });
    expect(tf.getBackend()).toBe('cpu');
    await initEngine({ patchKernels: false });
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsPatched()).toBe(false);
    await initEngine();
    expect(wasmKernelsPatched()).toBe(true);
  });
});

describe('seedEngine', () => {
  const denseWeights = (): Float32Array => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4 })] });
    const values = Float32Array.from(model.getWeights()[0].dataSync());
    model.dispose();
    return values;
  };
  const dropoutMask = (): number[] => tf.tidy(() => Array.from(tf.dropout(tf.ones([64]), 0.5).dataSync()));

  it('makes initialisers and dropout masks repeat for a seed', async () => {
    await initEngine();
    seedEngine(11);
    const first = { weights: denseWeights(), masks: [dropoutMask(), dropoutMask()] };
    seedEngine(11);
    const second = { weights: denseWeights(), masks: [dropoutMask(), dropoutMask()] };
    expect(second).toEqual(first);
    // A fresh mask per step, not one mask repeated.
    expect(first.masks[1]).not.toEqual(first.masks[0]);
    seedEngine(12);
    expect(denseWeights()).not.toEqual(first.weights);
  });
});

describe('liveTensorCount', () => {
  it('returns to its baseline after a small fit and predict', async () => {
    await initEngine();
    const random = new Random(3);
    const rows = 96;
    const x = Float32Array.from({ length: rows * 5 }, () => random.normal());
    const labels = Int32Array.from({ length: rows }, (_, i) => (x[i * 5] > 0 ? 1 : 0));
    const baseline = liveTensorCount();

    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [5], units: 8, activation: 'relu' }),
        tf.layers.batchNormalization(),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const xs = tf.tensor2d(x, [rows, 5]);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2));
    await model.fit(xs, ys, { epochs: 2, batchSize: 32, verbose: 0 });
    const predictions = model.predict(xs) as tf.Tensor;
    expect(predictions.shape).toEqual([rows, 2]);
    expect(liveTensorCount()).toBeGreaterThan(baseline);

    // A custom loop over JS-built batches, the pattern the models use.
    const optimizer = tf.train.adam(0.01);
    for (const batch of miniBatches(
      { x: { rows, cols: 5, data: x }, y: labels },
      { batchSize: 32, oneHot: 2, random },
    )) {
      optimizer.minimize(() =>
        tf.losses.softmaxCrossEntropy(batch.ys!, model.apply(batch.xs, { training: true }) as tf.Tensor),
      );
      tf.dispose([batch.xs, batch.ys!]);
    }

    tf.dispose([xs, ys, predictions]);
    optimizer.dispose();
    model.dispose();
    expect(liveTensorCount()).toBe(baseline);
  });
});
