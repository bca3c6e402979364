import { beforeAll, describe, expect, it } from 'vitest';
import { liveTensorCount } from '../../engine/index.js';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { RandomFourierFeatures, scaleGamma } from './random-fourier.js';

function randomMatrix(seed: number, rows: number, cols: number, zeroFraction = 0) {
  const random = new Random(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random.next() < zeroFraction ? 0 : random.normal() * 0.5;
  return createMatrix(rows, cols, data);
}

describe('RandomFourierFeatures', () => {
  beforeAll(() => RandomFourierFeatures.ready());

  it("approximates the RBF kernel exp(-gamma |x - x'|^2) by dot products of the features", () => {
    const gamma = 0.7;
    const x = randomMatrix(1, 12, 5);
    const D = 8192;
    const map = RandomFourierFeatures.sample(5, D, gamma, new Random(2));
    const z = new Float32Array(12 * D);
    map.transformRows(x, null, 0, 12, z);
    let worst = 0;
    for (let i = 0; i < 12; i++) {
      for (let j = 0; j < 12; j++) {
        let dot = 0;
        let dist = 0;
        for (let k = 0; k < D; k++) dot += z[i * D + k] * z[j * D + k];
        for (let f = 0; f < 5; f++) dist += (x.data[i * 5 + f] - x.data[j * 5 + f]) ** 2;
        worst = Math.max(worst, Math.abs(dot - Math.exp(-gamma * dist)));
      }
    }
    // Monte Carlo error of D samples is about 1/sqrt(D) ≈ 0.011.
    expect(worst).toBeLessThan(0.05);
  });

  it('gives each row the same features whatever the rows around it and skipped zeros', () => {
    const x = randomMatrix(3, 11, 7, 0.6);
    const D = 33;
    const map = RandomFourierFeatures.sample(7, D, 0.3, new Random(4));
    const all = new Float32Array(11 * D);
    const tensorsBefore = liveTensorCount();
    map.transformRows(x, null, 0, 11, all);
    expect(liveTensorCount()).toBe(tensorsBefore);
    for (let r = 0; r < 11; r++) {
      const one = new Float32Array(D);
      map.transformRows(x, [r], 0, 1, one);
      expect(Array.from(one)).toEqual(Array.from(all.subarray(r * D, (r + 1) * D)));
    }
    // An index list with a tail of 3 rows (blocks of 4) and rows out of order.
    const rows = [10, 2, 5, 5, 0, 9, 1];
    const picked = new Float32Array(6 * D);
    map.transformRows(x, rows, 1, 7, picked);
    for (let i = 1; i < 7; i++) {
      expect(Array.from(picked.subarray((i - 1) * D, i * D))).toEqual(
        Array.from(all.subarray(rows[i] * D, (rows[i] + 1) * D)),
      );
    }
  });

  it('is fixed by the seed', () => {
    const a = RandomFourierFeatures.sample(4, 16, 1, new Random(9));
    const b = RandomFourierFeatures.sample(4, 16, 1, new Random(9));
    const c = RandomFourierFeatures.sample(4, 16, 1, new Random(10));
    expect(Array.from(a.weight)).toEqual(Array.from(b.weight));
    expect(Array.from(a.bias)).toEqual(Array.from(b.bias));
    expect(Array.from(a.weight)).not.toEqual(Array.from(c.weight));
  });

  it('scaleGamma is 1 / (nFeatures * variance of all values), 1 for constant input', () => {
    const x = createMatrix(2, 2, Float32Array.of(0, 1, 2, 3));
    // values 0..3: mean 1.5, variance 1.25.
    expect(scaleGamma(x)).toBeCloseTo(1 / (2 * 1.25), 10);
    expect(scaleGamma(createMatrix(2, 2, new Float32Array(4).fill(5)))).toBe(1);
  });
});
