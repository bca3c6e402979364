import { describe, expect, it } from 'vitest';
import { checkFalsePositiveRate, fractionAbove, thresholdAtFalsePositiveRate } from './threshold.js';

describe('thresholdAtFalsePositiveRate', () => {
  const errors = Float32Array.from({ length: 200 }, (_, i) => (199 - i) / 10); // 0.0 … 19.9, unsorted

  it('lets at most ⌊n × rate⌋ calibration errors lie above the threshold', () => {
    for (const rate of [0, 0.01, 0.05, 0.1, 0.5]) {
      const threshold = thresholdAtFalsePositiveRate(errors, rate);
      const above = Array.from(errors).filter((e) => e > threshold).length;
      expect(above).toBe(Math.floor(200 * rate));
      expect(fractionAbove(errors, threshold)).toBeCloseTo(Math.floor(200 * rate) / 200, 10);
    }
  });

  it('is the largest error at rate 0, so nothing from calibration is flagged', () => {
    expect(thresholdAtFalsePositiveRate(errors, 0)).toBeCloseTo(19.9, 5);
  });

  it('never exceeds the rate when errors tie at the threshold', () => {
    const tied = new Float32Array(100).fill(1);
    tied[99] = 5;
    const threshold = thresholdAtFalsePositiveRate(tied, 0.05);
    expect(threshold).toBe(1);
    expect(fractionAbove(tied, threshold)).toBe(0.01);
  });

  it('refuses empty input, non-finite errors and rates outside [0, 1)', () => {
    expect(() => thresholdAtFalsePositiveRate([], 0.01)).toThrow(/0 validation rows/);
    expect(() => thresholdAtFalsePositiveRate([1, Number.NaN], 0.01)).toThrow(/NaN/);
    expect(() => thresholdAtFalsePositiveRate([1, Infinity], 0.01)).toThrow(/NaN or infinite/);
    for (const bad of [-0.1, 1, 2, Number.NaN]) expect(() => checkFalsePositiveRate(bad)).toThrow(/\[0, 1\)/);
  });

  it('fractionAbove is NaN for no rows', () => {
    expect(fractionAbove([], 1)).toBeNaN();
  });
});
