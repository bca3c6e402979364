import { describe, expect, it } from 'vitest';
import { poissonCdf, poissonUpperBound } from './poisson-bound.js';

describe('poissonUpperBound', () => {
  it('gives −ln 0.05 ≈ 2.996 for no event at 95 %: the "3 / T" rule', () => {
    expect(poissonUpperBound(0)).toBeCloseTo(2.995732, 5);
    expect(poissonUpperBound(0, 0.9)).toBeCloseTo(Math.log(10), 6);
  });

  it('matches the chi-square form χ²(0.95; 2k + 2) / 2 for a few counts', () => {
    // χ² quantiles from tables: df 4 → 9.4877, df 6 → 12.5916, df 12 → 21.0261, df 22 → 33.9244.
    expect(poissonUpperBound(1)).toBeCloseTo(9.4877 / 2, 3);
    expect(poissonUpperBound(2)).toBeCloseTo(12.5916 / 2, 3);
    expect(poissonUpperBound(5)).toBeCloseTo(21.0261 / 2, 3);
    expect(poissonUpperBound(10)).toBeCloseTo(33.9244 / 2, 3);
  });

  it('is the mean at which k or fewer events have probability 5 %, and grows with k', () => {
    for (const k of [0, 3, 40, 400]) {
      const bound = poissonUpperBound(k);
      expect(poissonCdf(k, bound)).toBeCloseTo(0.05, 8);
      expect(poissonUpperBound(k + 1)).toBeGreaterThan(bound);
      expect(bound).toBeGreaterThan(k);
    }
  });

  it('refuses a negative or fractional count and a confidence outside (0, 1)', () => {
    expect(() => poissonUpperBound(-1)).toThrow(/non-negative integer/);
    expect(() => poissonUpperBound(1.5)).toThrow(/non-negative integer/);
    expect(() => poissonUpperBound(1, 1)).toThrow(/confidence/);
  });
});

describe('poissonCdf', () => {
  it('sums the Poisson probabilities up to k', () => {
    expect(poissonCdf(0, 2)).toBeCloseTo(Math.exp(-2), 12);
    expect(poissonCdf(2, 2)).toBeCloseTo(Math.exp(-2) * (1 + 2 + 2), 12);
    expect(poissonCdf(800, 700)).toBeGreaterThan(0.99);
  });
});
