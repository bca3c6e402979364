import { beforeAll, describe, expect, it } from 'vitest';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { BatchFeatures } from './batch-features.js';
import { RandomFourierFeatures } from './random-fourier.js';

const random = new Random(8);
const x = createMatrix(
  10,
  3,
  Float32Array.from({ length: 30 }, () => random.normal()),
);
const rows = Int32Array.of(4, 9, 0, 7, 7);

describe('BatchFeatures', () => {
  beforeAll(() => RandomFourierFeatures.ready());

  it('gathers raw rows by index for the linear kernel', () => {
    const features = new BatchFeatures(x, null);
    const out = new Float32Array(3 * 3);
    features.gather(rows, 1, 4, out);
    expect(Array.from(out)).toEqual([
      ...x.data.subarray(27, 30),
      ...x.data.subarray(0, 3),
      ...x.data.subarray(21, 24),
    ]);
  });

  it('gives bit-identical random features with and without the cache', () => {
    const map = RandomFourierFeatures.sample(3, 20, 0.5, new Random(1));
    const cached = new BatchFeatures(x, map);
    const uncached = new BatchFeatures(x, map, 0);
    const a = new Float32Array(5 * 20);
    const b = new Float32Array(5 * 20);
    cached.gather(rows, 0, 5, a);
    uncached.gather(rows, 0, 5, b);
    expect(cached.cached).toBe(true);
    expect(uncached.cached).toBe(false);
    expect(Array.from(a)).toEqual(Array.from(b));
    cached.gather(null, 2, 6, a);
    uncached.gather(null, 2, 6, b);
    expect(Array.from(a.subarray(0, 80))).toEqual(Array.from(b.subarray(0, 80)));
  });
});
