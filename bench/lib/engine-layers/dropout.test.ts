import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../../../src/util/random.js';
import { dropout, dropoutMask } from './dropout.js';
import { initEngine, ops, type Tensor } from '../../../src/engine/index.js';

describe('dropout', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('drops about `rate` of the elements and scales the rest', () => {
    const mask = dropoutMask(100_001, 0.3, new Random(1));
    const kept = mask.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.7)]));
    expect(1 - kept.length / mask.length).toBeCloseTo(0.3, 2);
  });

  it('is reproducible for a seed and differs between calls', () => {
    const a = new Random(5);
    const b = new Random(5);
    const first = dropoutMask(64, 0.5, a);
    expect(dropoutMask(64, 0.5, b)).toEqual(first);
    expect(dropoutMask(64, 0.5, a)).not.toEqual(first);
  });

  it('multiplies by the mask, and so does its gradient', () => {
    ops.tidy(() => {
      const x = ops.range(1, 41).reshape([8, 5]);
      const mask = ops.tensor(dropoutMask(40, 0.25, new Random(9)), [8, 5]);
      const y = dropout(x, 0.25, new Random(9));
      expect(y.shape).toEqual([8, 5]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(ops.mul(x, mask).dataSync()));
      const gradient = ops.grad((input: Tensor) => ops.sum(dropout(input, 0.25, new Random(9))))(x);
      expect(Array.from(gradient.dataSync())).toEqual(Array.from(mask.dataSync()));
    });
  });

  it('passes the input through at rate 0 and rejects invalid rates', () => {
    const x = ops.ones([3]);
    expect(dropout(x, 0, new Random(1))).toBe(x);
    expect(() => dropout(x, 1, new Random(1))).toThrow(/rate/);
    expect(() => dropout(x, -0.1, new Random(1))).toThrow(/rate/);
    x.dispose();
  });
});
