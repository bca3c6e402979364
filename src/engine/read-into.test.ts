import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { Random } from '../util/random.js';
import * as tf from '@tensorflow/tfjs';
import { initEngine, liveTensorCount, matMulInto, readInto } from './index.js';
import { randomInput, toTensor } from './test-helpers/cpu-reference.js';

describe('readInto', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await tf.setBackend('wasm');
  });

  it.each([[[1]], [[37]], [[12, 9]], [[3, 4, 5]]])(
    'reads the wasm heap for shape %j, matching dataSync, without calling it',
    (shape) => {
      const tensor = toTensor(randomInput(new Random(shape.length), shape));
      const expected = Float32Array.from(tensor.dataSync());
      const dataSync = vi.spyOn(tensor, 'dataSync');
      // One slot more than needed: the value past the tensor must stay untouched.
      const out = new Float32Array(expected.length + 1).fill(-7);
      readInto(tensor, out);
      expect(dataSync).not.toHaveBeenCalled();
      expect(out.subarray(0, expected.length)).toEqual(expected);
      expect(out[expected.length]).toBe(-7);
      tensor.dispose();
    },
  );

  it('reads the values of a kernel output, not of a neighbouring heap block', () => {
    const a = toTensor(randomInput(new Random(1), [8, 8]));
    const b = tf.add(a, 1);
    const out = new Float32Array(64);
    readInto(b, out);
    expect(out).toEqual(Float32Array.from(b.dataSync()));
    tf.dispose([a, b]);
  });

  it('moves a tensor made on another backend onto the heap and reads it there', async () => {
    await tf.setBackend('cpu');
    const tensor = toTensor(randomInput(new Random(2), [5, 3]));
    const expected = Float32Array.from(tensor.dataSync());
    await tf.setBackend('wasm');
    const dataSync = vi.spyOn(tensor, 'dataSync');
    const out = new Float32Array(15);
    readInto(tensor, out);
    expect(dataSync).not.toHaveBeenCalled();
    expect(out).toEqual(expected);
    tensor.dispose();
  });

  it('uses dataSync on the cpu backend', async () => {
    await tf.setBackend('cpu');
    const tensor = toTensor(randomInput(new Random(3), [4, 6]));
    const out = new Float32Array(24);
    readInto(tensor, out);
    expect(out).toEqual(Float32Array.from(tensor.dataSync()));
    tensor.dispose();
  });
});

describe('matMulInto', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  it.each([false, true])('matches tf.matMul (transposeA %s) and leaves no tensors behind', (transposeA) => {
    const random = new Random(4);
    const [rows, cols] = [6, 5];
    // Longer than rows × cols: only the leading values count.
    const a = randomInput(random, [rows * cols + 3]).values;
    const b = toTensor(randomInput(random, [transposeA ? rows : cols, 4])) as tf.Tensor2D;
    const expected = tf.tidy(() =>
      Float32Array.from(
        tf.matMul(tf.tensor2d(a.subarray(0, rows * cols), [rows, cols]), b, transposeA).dataSync(),
      ),
    );
    const before = liveTensorCount();
    const out = new Float32Array((transposeA ? cols : rows) * 4);
    matMulInto(a, rows, cols, b, out, transposeA);
    expect(liveTensorCount()).toBe(before);
    expect(out).toEqual(expected);
    b.dispose();
  });
});
