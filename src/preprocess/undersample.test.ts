import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { classCounts } from './class-counts.js';
import { createMatrix, rowOf } from './matrix.js';
import { randomUndersample } from './undersample.js';

/** Row i holds [i, 10 i] so kept rows can be traced back to their source. */
function fixture(sizes: number[]) {
  const y = Int32Array.from(sizes.flatMap((n, c) => new Array<number>(n).fill(c)));
  const data = Float32Array.from({ length: y.length * 2 }, (_, k) => (k % 2 ? 10 : 1) * Math.floor(k / 2));
  return { x: createMatrix(y.length, 2, data), y };
}

describe('randomUndersample', () => {
  const data = fixture([50, 20, 4]);

  it('caps every class at maxPerClass and reports what was removed', () => {
    const result = randomUndersample(data.x, data.y, { maxPerClass: 10 });
    expect([...classCounts(result.y)]).toEqual([10, 10, 4]);
    expect(result.removed).toEqual({ 0: 40, 1: 10, 2: 0 });
  });

  it('caps at ratio × the smallest class, and the smaller cap wins when both are given', () => {
    expect([...classCounts(randomUndersample(data.x, data.y, { targetRatio: 3 }).y)]).toEqual([12, 12, 4]);
    expect([...classCounts(randomUndersample(data.x, data.y, { targetRatio: 1 }).y)]).toEqual([4, 4, 4]);
    const both = randomUndersample(data.x, data.y, { targetRatio: 10, maxPerClass: 15 });
    expect([...classCounts(both.y)]).toEqual([15, 15, 4]);
  });

  it('keeps original rows with their labels, in their original order', () => {
    const result = randomUndersample(data.x, data.y, { maxPerClass: 7, seed: 5 });
    const sources = Array.from({ length: result.x.rows }, (_, r) => rowOf(result.x, r)[0]);
    expect(sources).toEqual([...sources].sort((a, b) => a - b));
    sources.forEach((source, r) => {
      expect(rowOf(result.x, r)[1]).toBe(10 * source);
      expect(result.y[r]).toBe(data.y[source]);
    });
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = randomUndersample(data.x, data.y, { maxPerClass: 7, seed: 1 });
    const b = randomUndersample(data.x, data.y, { maxPerClass: 7, seed: 1 });
    const c = randomUndersample(data.x, data.y, { maxPerClass: 7, seed: 2 });
    expect([...a.x.data]).toEqual([...b.x.data]);
    expect([...a.x.data]).not.toEqual([...c.x.data]);
  });

  it('rejects missing or bad caps', () => {
    expect(() => randomUndersample(data.x, data.y, {})).toThrow(IotIdsError);
    expect(() => randomUndersample(data.x, data.y, { targetRatio: 0.5 })).toThrow(/≥ 1/);
    expect(() => randomUndersample(data.x, data.y, { maxPerClass: 0 })).toThrow(IotIdsError);
    expect(() => randomUndersample(data.x, data.y, { maxPerClass: 2.5 })).toThrow(IotIdsError);
  });
});
