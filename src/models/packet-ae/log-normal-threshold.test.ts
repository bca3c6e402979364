import { describe, expect, it } from 'vitest';
import { Random } from '../../util/random.js';
import { LogNormalFit, logNormalThreshold, normalQuantile } from './log-normal-threshold.js';

describe('log-normal threshold', () => {
  it('inverts the normal CDF', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(1 - 1e-4)).toBeCloseTo(3.719016, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it('recovers μ and σ and puts the chosen share of samples above the threshold', () => {
    const random = new Random(4);
    const fit = new LogNormalFit();
    const samples: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const s = Math.exp(-3 + 0.5 * random.normal());
      samples.push(s);
      fit.add(s);
    }
    expect(fit.mu).toBeCloseTo(-3, 1);
    expect(fit.sigma).toBeCloseTo(0.5, 1);
    const threshold = fit.threshold(0.01);
    const above = samples.filter((s) => s > threshold).length / samples.length;
    expect(above).toBeGreaterThan(0.006);
    expect(above).toBeLessThan(0.014);
  });

  it('stays finite for zero scores and zero spread', () => {
    const fit = new LogNormalFit();
    for (let i = 0; i < 10; i++) fit.add(0);
    expect(fit.sigma).toBe(0);
    expect(Number.isFinite(fit.threshold(1e-4))).toBe(true);
    expect(logNormalThreshold(1000, 10, 1e-4)).toBe(Number.MAX_VALUE);
  });
});
