import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../engine/index.js';
import { ArrayAdam } from './adam.js';

describe('ArrayAdam', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('follows tf.train.adam step for step', () => {
    const start = [0.5, -1.5, 2, 0.25];
    const gradientAt = (w: ArrayLike<number>) => Float32Array.from(w, (v, i) => 2 * (v - i) + 0.1 * v * v);
    const values = Float32Array.from(start);
    const adam = new ArrayAdam([['w', values]], 0.05);
    const variable = tf.variable(tf.tensor1d(start));
    const reference = tf.train.adam(0.05);
    for (let step = 0; step < 25; step++) {
      adam.apply([gradientAt(values)]);
      const g = gradientAt(variable.dataSync());
      tf.tidy(() => reference.applyGradients([{ name: variable.name, tensor: tf.tensor1d(g) }]));
    }
    const expected = variable.dataSync();
    // tfjs computes in float32, this in float64 between float32 stores.
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    expect(adam.iterations).toBe(25);
    reference.dispose();
    variable.dispose();
  });

  it('restores its moments and step count so that training continues identically', () => {
    const gradient = Float32Array.from([0.3, -0.2, 0.1]);
    const a = new ArrayAdam([['w', Float32Array.from([1, 2, 3])]]);
    for (let i = 0; i < 4; i++) a.apply([gradient]);
    const state = a.state();
    const bValues = Float32Array.from([7, 7, 7]);
    const b = new ArrayAdam([['w', bValues]]);
    b.restore(state, 'test');
    expect(b.iterations).toBe(4);
    expect(b.state()).toEqual(state);
    expect(() => b.restore({ 'adam/iterations': state['adam/iterations'] }, 'ckpt')).toThrow(
      /ckpt.*"adam\/m\/w" is missing/,
    );
  });
});
