import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../util/random.js';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from './index.js';
import { patchWasmKernels, unpatchWasmKernels, wasmKernelsPatched } from './patch-wasm-kernels.js';
import {
  maxDifferenceToCpu,
  randomInput,
  runOn,
  toTensor,
  TOLERANCE,
  type Input,
} from './test-helpers/cpu-reference.js';

const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** Operand shapes for an (m × k) · (k × n) product, laid out as the transpose flags expect. */
function operandShapes(
  batch: number[],
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
) {
  return {
    a: [...batch, ...(transposeA ? [k, m] : [m, k])],
    b: [...batch, ...(transposeB ? [n, k] : [k, n])],
  };
}

describe('patched wasm kernels match the cpu backend', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', patchKernels: true });
    expect(wasmKernelsPatched()).toBe(true);
  });

  it.each(TRANSPOSES)('matMul 2-D, transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
    const random = new Random(1);
    const shapes = operandShapes([], 37, 29, 23, transposeA, transposeB);
    const a = randomInput(random, shapes.a);
    const b = randomInput(random, shapes.b);
    const difference = await maxDifferenceToCpu(() =>
      tf.matMul(toTensor(a), toTensor(b), transposeA, transposeB),
    );
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(TRANSPOSES)(
    'fused matMul with bias and relu, transposeA=%s transposeB=%s',
    async (transposeA, transposeB) => {
      const random = new Random(2);
      const shapes = operandShapes([], 41, 19, 13, transposeA, transposeB);
      const a = randomInput(random, shapes.a);
      const b = randomInput(random, shapes.b);
      const bias = randomInput(random, [13]);
      const difference = await maxDifferenceToCpu(() =>
        tf.fused.matMul({
          a: toTensor(a),
          b: toTensor(b),
          transposeA,
          transposeB,
          bias: toTensor(bias),
          activation: 'relu',
        }),
      );
      expect(difference).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it.each(TRANSPOSES)('batched 3-D matMul, transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
    const random = new Random(3);
    const shapes = operandShapes([3], 11, 17, 7, transposeA, transposeB);
    const a = randomInput(random, shapes.a);
    const b = randomInput(random, shapes.b);
    const difference = await maxDifferenceToCpu(() =>
      tf.matMul(toTensor(a), toTensor(b), transposeA, transposeB),
    );
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
  });

  it('batched matMul broadcasting a single right operand, transposed', async () => {
    const random = new Random(4);
    const a = randomInput(random, [4, 9, 6]);
    const b = randomInput(random, [1, 5, 6]);
    const difference = await maxDifferenceToCpu(() => tf.matMul(toTensor(a), toTensor(b), false, true));
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
  });

  it('leaves no transposed temporaries behind on the wasm heap', async () => {
    await tf.setBackend('wasm');
    const before = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      const a = tf.ones([5, 4]);
      const b = tf.ones([3, 5]);
      tf.matMul(a, b, true, true).dataSync();
      tf.fused
        .matMul({ a, b, transposeA: true, transposeB: true, bias: tf.ones([3]), activation: 'relu' })
        .dataSync();
    });
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  it('gradients of a small Dense + BatchNorm model match', async () => {
    const random = new Random(7);
    const x = randomInput(random, [64, 10]);
    const labels = Int32Array.from({ length: 64 }, () => random.int(3));
    const positive = (offset: number): Input => ({
      values: randomInput(random, [8]).values.map((v) => offset + 0.1 * v),
      shape: [8],
    });
    // Model weight order: every trainable weight first (dense, gamma, beta, dense), then the moving statistics.
    const weights = [
      randomInput(random, [10, 8]),
      randomInput(random, [8]),
      positive(1.2),
      positive(0.1),
      randomInput(random, [8, 3]),
      randomInput(random, [3]),
      positive(0.3),
      positive(1.5),
    ];
    const gradientsOn = async (backend: 'wasm' | 'cpu'): Promise<Float32Array> =>
      runOn(backend, () => {
        const model = tf.sequential({
          layers: [
            tf.layers.dense({ inputShape: [10], units: 8, activation: 'relu' }),
            // Its gradient runs Tile; its moving averages are weights too (gamma, beta, mean, variance).
            tf.layers.batchNormalization(),
            tf.layers.dense({ units: 3 }),
          ],
        });
        model.setWeights(weights.map(toTensor));
        const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
        const { value, grads } = tf.variableGrads(() =>
          tf.losses
            .softmaxCrossEntropy(ys, model.apply(toTensor(x), { training: true }) as tf.Tensor)
            .asScalar(),
        );
        const flat = tf.concat([
          value.reshape([1]),
          ...model.trainableWeights.map((w) => grads[w.name].flatten()),
        ]);
        model.dispose();
        return flat;
      });
    const patched = await gradientsOn('wasm');
    const reference = await gradientsOn('cpu');
    expect(patched.length).toBe(1 + 10 * 8 + 8 + 8 + 8 + 8 * 3 + 3);
    for (let i = 0; i < patched.length; i++)
      expect(Math.abs(patched[i] - reference[i])).toBeLessThanOrEqual(TOLERANCE);
    expect(reference.some((g, i) => i > 0 && g !== 0)).toBe(true);
  });
});

const PATCHED = [tf.BatchMatMul, tf._FusedMatMul, tf.Slice, tf.Tile, tf.GatherV2, tf.Sum, tf.Mean];

describe('patching', () => {
  it('is reversible and idempotent, and swaps only its seven kernels', async () => {
    await initEngine({ backend: 'wasm', patchKernels: true });
    const kernelFunc = (name: string) => tf.getKernel(name, 'wasm').kernelFunc;
    const patched = PATCHED.map(kernelFunc);
    const transpose = kernelFunc(tf.Transpose);
    patchWasmKernels();
    expect(PATCHED.map(kernelFunc)).toEqual(patched);
    unpatchWasmKernels();
    expect(wasmKernelsPatched()).toBe(false);
    const shipped = PATCHED.map(kernelFunc);
    shipped.forEach((func, i) => expect(func).not.toBe(patched[i]));
    expect(kernelFunc(tf.Transpose)).toBe(transpose);
    // The shipped kernels must still work after the round trip.
    const product = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true).arraySync());
    expect(product).toEqual([
      [3, 3],
      [3, 3],
    ]);
    patchWasmKernels();
    expect(wasmKernelsPatched()).toBe(true);
  });
});
