import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { stratifiedSplit } from './stratified-split.js';

/** Labels with the given number of rows per class, interleaved so classes are not in blocks. */
function labels(sizes: number[]): Int32Array {
  const y: number[] = [];
  const left = [...sizes];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        y.push(c);
        left[c]--;
      }
    });
  }
  return Int32Array.from(y);
}

function countIn(y: Int32Array, rows: Int32Array, c: number): number {
  return rows.reduce((n, r) => n + (y[r] === c ? 1 : 0), 0);
}

describe('stratifiedSplit', () => {
  const sizes = [1000, 333, 57, 10, 3, 2, 1];
  const y = labels(sizes);

  it('puts every row in exactly one part', () => {
    const { train, test } = stratifiedSplit(y, 0.2, 7);
    expect(train.length + test.length).toBe(y.length);
    const seen = new Uint8Array(y.length);
    for (const r of [...train, ...test]) seen[r]++;
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it.each([0.1, 0.2, 0.5, 0.9])('keeps each class proportion within one row (fraction %d)', (fraction) => {
    const { train, test } = stratifiedSplit(y, fraction, 3);
    sizes.forEach((n, c) => {
      const inTest = countIn(y, test, c);
      expect(inTest + countIn(y, train, c)).toBe(n);
      expect(Math.abs(inTest - n * fraction)).toBeLessThanOrEqual(1);
      if (n >= 2) {
        expect(inTest).toBeGreaterThanOrEqual(1);
        expect(n - inTest).toBeGreaterThanOrEqual(1);
      } else {
        expect(inTest).toBe(0);
      }
    });
  });

  it('is deterministic for a seed, differs between seeds and shuffles', () => {
    const a = stratifiedSplit(y, 0.2, 11);
    const b = stratifiedSplit(y, 0.2, 11);
    const c = stratifiedSplit(y, 0.2, 12);
    expect([...a.train]).toEqual([...b.train]);
    expect([...a.test]).toEqual([...b.test]);
    expect([...a.test]).not.toEqual([...c.test]);
    const sorted = [...a.train].sort((p, q) => p - q);
    expect([...a.train]).not.toEqual(sorted);
  });

  it('rejects fractions outside (0, 1)', () => {
    for (const bad of [0, 1, -0.1, 1.5, Number.NaN]) {
      expect(() => stratifiedSplit(y, bad, 1)).toThrow(IotIdsError);
    }
  });
});
