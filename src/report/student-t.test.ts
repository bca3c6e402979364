import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { studentTCdf, studentTQuantile } from './student-t.js';

describe('studentTQuantile', () => {
  it('matches published two-sided 95 % critical values', () => {
    const table: Array<[number, number]> = [
      [1, 12.7062047],
      [2, 4.3026527],
      [4, 2.7764451],
      [9, 2.2621572],
      [29, 2.0452296],
      [1000, 1.962339],
    ];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 6);
  });

  it('is symmetric and inverts the CDF', () => {
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.7764451, 6);
    expect(studentTQuantile(0.5, 3)).toBe(0);
    expect(studentTCdf(studentTQuantile(0.9, 7), 7)).toBeCloseTo(0.9, 10);
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 12);
  });

  it('rejects probabilities outside (0, 1) and non-positive degrees of freedom', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(IotIdsError);
    expect(() => studentTQuantile(0.9, 0)).toThrow(IotIdsError);
  });
});
