import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, ops } from '../engine/index.js';
import { Adam } from './adam.js';

describe('Adam', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('follows ops.trainAdam step for step', () => {
    const start = [0.5, -1.5, 2, 0.25];
    const gradientAt = (w: ArrayLike<number>) => Float32Array.from(w, (v, i) => 2 * (v - i) + 0.1 * v * v);
    const values = Float32Array.from(start);
    const adam = new Adam([['w', values]], { learningRate: 0.05 });
    const variable = ops.variable(ops.tensor1d(start));
    const reference = ops.trainAdam(0.05);
    for (let step = 0; step < 25; step++) {
      adam.apply([gradientAt(values)]);
      const g = gradientAt(variable.dataSync());
      ops.tidy(() => reference.applyGradients([{ name: variable.name, tensor: ops.tensor1d(g) }]));
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
    const a = new Adam([['w', Float32Array.from([1, 2, 3])]]);
    for (let i = 0; i < 4; i++) a.apply([gradient]);
    const state = a.state();
    const bValues = Float32Array.from([7, 7, 7]);
    const b = new Adam([['w', bValues]]);
    b.restore(state, 'test');
    expect(b.iterations).toBe(4);
    expect(b.state()).toEqual(state);
    expect(() => b.restore({ 'adam/iterations': state['adam/iterations'] }, 'ckpt')).toThrow(
      /ckpt.*"adam\/m\/w" is missing/,
    );
  });

  it('takes a first step of learningRate against the gradient sign, from float64 gradients too', () => {
    const p = Float32Array.of(1, -1);
    const adam = new Adam([['p', p]], { learningRate: 0.1 });
    adam.apply([Float64Array.of(4, -0.01)]);
    expect(p[0]).toBeCloseTo(0.9, 5);
    expect(p[1]).toBeCloseTo(-0.9, 4);
    expect(adam.iterations).toBe(1);
  });

  it('minimises a quadratic plus its coupled L2 term: (p - 3)² with decay 1 settles at 2', () => {
    const p = Float32Array.of(0);
    const adam = new Adam([['p', p]], { learningRate: 0.01, decay: [1] });
    for (let i = 0; i < 3000; i++) adam.apply([Float64Array.of(2 * (p[0] - 3))]);
    // d/dp [(p - 3)² + p² / 2] = 0  ⇒  p = 2.
    expect(p[0]).toBeCloseTo(2, 2);
  });

  it('scales gradients, leaves parameters without a gradient alone and rejects misfits', () => {
    const [a, b] = [Float32Array.of(1), Float32Array.of(1)];
    const [c] = [Float32Array.of(1)];
    const scaled = new Adam(
      [
        ['a', a],
        ['b', b],
      ],
      { learningRate: 0.1 },
    );
    const plain = new Adam([['c', c]], { learningRate: 0.1 });
    scaled.apply([Float32Array.of(8), undefined], 0.25);
    plain.apply([Float32Array.of(2)]);
    expect(a[0]).toBe(c[0]);
    expect(b[0]).toBe(1);
    expect(scaled.state()['adam/m/b'].data[0]).toBe(0);
    expect(() => plain.apply([])).toThrow(/0 gradients for 1 parameters/);
    expect(() => plain.apply([Float32Array.of(1, 2)])).toThrow(/gradient of "c" has 2 values/);
  });

  it('computes the same update with either bias correction, up to float rounding', () => {
    const gradientAt = (w: ArrayLike<number>) => Float32Array.from(w, (v, i) => v * v - i);
    const folded = Float32Array.of(0.3, -0.7, 1.1);
    const explicit = folded.slice();
    const a = new Adam([['w', folded]], { learningRate: 0.01 });
    const b = new Adam([['w', explicit]], { learningRate: 0.01, biasCorrection: 'explicit' });
    for (let step = 0; step < 50; step++) {
      a.apply([gradientAt(folded)]);
      b.apply([gradientAt(explicit)]);
    }
    folded.forEach((v, i) => expect(v).toBeCloseTo(explicit[i], 5));
  });

  it('exposes its moments and takes a restored step count, checked', () => {
    const w = Float32Array.of(1, 2);
    const adam = new Adam([['w', w]]);
    adam.apply([Float32Array.of(1, 1)]);
    expect(adam.moments(0).m[0]).toBeCloseTo(0.1, 6);
    adam.restoreIterations(7, 'ckpt', 'step');
    expect(adam.iterations).toBe(7);
    expect(() => adam.restoreIterations(1.5, 'ckpt', 'step')).toThrow(/whole number/);
  });
});
