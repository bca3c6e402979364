import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../util/random.js';
import { initEngine, tf } from './index.js';
import { patchWasmKernels, unpatchWasmKernels, wasmKernelsPatched } from './patch-wasm-kernels.js';

const TOLERANCE = 1e-4;

/** Array inputs, so the same numbers can be fed to both backends without moving tensors between them. */
interface Input {
  values: Float32Array;
  shape: number[];
}

function randomInput(random: Random, shape: number[]): Input {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = random.normal();
  return { values, shape };
}

/** Runs `compute` on a backend and returns a copy of its output values, leaving `wasm` active afterwards. */
async function runOn(backend: 'wasm' | 'cpu', compute: () => tf.Tensor): Promise<Float32Array> {
  if (!(await tf.setBackend(backend))) throw new Error(`cannot switch to ${backend}`);
  try {
    expect(tf.getBackend()).toBe(backend);
    return Float32Array.from(tf.tidy(() => compute().dataSync() as Float32Array));
  } finally {
    await tf.setBackend('wasm');
  }
}

async function maxDifferenceToCpu(compute: () => tf.Tensor): Promise<number> {
  const patched = await runOn('wasm', compute);
  const reference = await runOn('cpu', compute);
  expect(patched.length).toBe(reference.length);
  let max = 0;
  for (let i = 0; i < patched.length; i++) max = Math.max(max, Math.abs(patched[i] - reference[i]));
  return max;
}

const toTensor = (input: Input): tf.Tensor => tf.tensor(input.values, input.shape, 'float32');

const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** Operand shapes for an (m × k) · (k × n) product, laid out as the transpose flags expect. */
function operandShapes(batch: number[], m: number, k: number, n: number, transposeA: boolean, transposeB: boolean) {
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
    const difference = await maxDifferenceToCpu(() => tf.matMul(toTensor(a), toTensor(b), transposeA, transposeB));
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(TRANSPOSES)('fused matMul with bias and relu, transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
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
  });

  it.each(TRANSPOSES)('batched 3-D matMul, transposeA=%s transposeB=%s', async (transposeA, transposeB) => {
    const random = new Random(3);
    const shapes = operandShapes([3], 11, 17, 7, transposeA, transposeB);
    const a = randomInput(random, shapes.a);
    const b = randomInput(random, shapes.b);
    const difference = await maxDifferenceToCpu(() => tf.matMul(toTensor(a), toTensor(b), transposeA, transposeB));
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
  });

  it('batched matMul broadcasting a single right operand, transposed', async () => {
    const random = new Random(4);
    const a = randomInput(random, [4, 9, 6]);
    const b = randomInput(random, [1, 5, 6]);
    const difference = await maxDifferenceToCpu(() => tf.matMul(toTensor(a), toTensor(b), false, true));
    expect(difference).toBeLessThanOrEqual(TOLERANCE);
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

  it('slice keeps int32 and bool data intact', async () => {
    const ints = Int32Array.from({ length: 60 }, (_, i) => i * 7 - 100);
    const sliced = await runOn('wasm', () => tf.slice(tf.tensor(ints, [6, 10], 'int32'), [1, 2], [3, 5]).toFloat());
    expect(Array.from(sliced)).toEqual(
      [1, 2, 3].flatMap((row) => [2, 3, 4, 5, 6].map((col) => (row * 10 + col) * 7 - 100)),
    );
    const flags = await runOn('wasm', () => tf.slice(tf.tensor([true, false, true, true], [4], 'bool'), [1], [3]).toFloat());
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

  it('leaves no transposed temporaries behind on the wasm heap', async () => {
    await tf.setBackend('wasm');
    const before = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      const a = tf.ones([5, 4]);
      const b = tf.ones([3, 5]);
      tf.matMul(a, b, true, true).dataSync();
      tf.fused.matMul({ a, b, transposeA: true, transposeB: true, bias: tf.ones([3]), activation: 'relu' }).dataSync();
    });
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  it('gradients of a small Dense model match', async () => {
    const random = new Random(7);
    const x = randomInput(random, [64, 10]);
    const labels = Int32Array.from({ length: 64 }, () => random.int(3));
    const weights = [randomInput(random, [10, 8]), randomInput(random, [8]), randomInput(random, [8, 3]), randomInput(random, [3])];
    const gradientsOn = async (backend: 'wasm' | 'cpu'): Promise<Float32Array> =>
      runOn(backend, () => {
        const model = tf.sequential({
          layers: [tf.layers.dense({ inputShape: [10], units: 8, activation: 'relu' }), tf.layers.dense({ units: 3 })],
        });
        model.setWeights(weights.map(toTensor));
        const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
        const { value, grads } = tf.variableGrads(() =>
          tf.losses.softmaxCrossEntropy(ys, model.apply(toTensor(x), { training: true }) as tf.Tensor).asScalar(),
        );
        const flat = tf.concat([value.reshape([1]), ...model.trainableWeights.map((w) => grads[w.name].flatten())]);
        model.dispose();
        return flat;
      });
    const patched = await gradientsOn('wasm');
    const reference = await gradientsOn('cpu');
    expect(patched.length).toBe(1 + 10 * 8 + 8 + 8 * 3 + 3);
    for (let i = 0; i < patched.length; i++) expect(Math.abs(patched[i] - reference[i])).toBeLessThanOrEqual(TOLERANCE);
    expect(reference.some((g, i) => i > 0 && g !== 0)).toBe(true);
  });
});

describe('patching', () => {
  it('is reversible and idempotent, and swaps only the three kernels', async () => {
    await initEngine({ backend: 'wasm', patchKernels: true });
    const kernelFunc = (name: string) => tf.getKernel(name, 'wasm').kernelFunc;
    const patched = [tf.BatchMatMul, tf._FusedMatMul, tf.Slice].map(kernelFunc);
    const transpose = kernelFunc(tf.Transpose);
    patchWasmKernels();
    expect([tf.BatchMatMul, tf._FusedMatMul, tf.Slice].map(kernelFunc)).toEqual(patched);
    unpatchWasmKernels();
    expect(wasmKernelsPatched()).toBe(false);
    const shipped = [tf.BatchMatMul, tf._FusedMatMul, tf.Slice].map(kernelFunc);
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
