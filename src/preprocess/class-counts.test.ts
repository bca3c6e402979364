import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { classCounts, countsRecord, rowsByClass } from './class-counts.js';

describe('classCounts', () => {
  it('counts rows per class index, absent classes included as 0', () => {
    const y = Int32Array.from([2, 0, 2, 3, 2]);
    expect([...classCounts(y)]).toEqual([1, 0, 3, 1]);
    expect(classCounts(new Int32Array(0)).length).toBe(0);
  });

  it('rejects negative labels, naming the row', () => {
    expect(() => classCounts(Int32Array.from([0, -1]))).toThrow(IotIdsError);
    expect(() => classCounts(Int32Array.from([0, -1]))).toThrow(/row 1/);
  });
});

describe('rowsByClass', () => {
  it('lists the rows of every class in ascending order', () => {
    const rows = rowsByClass(Int32Array.from([1, 0, 1, 1, 3]));
    expect(rows.map((r) => [...r])).toEqual([[1], [0, 2, 3], [], [4]]);
  });
});

describe('countsRecord', () => {
  it('keys counts by class index, optionally filtered', () => {
    expect(countsRecord([4, 0, 2])).toEqual({ 0: 4, 1: 0, 2: 2 });
    expect(countsRecord([4, 0, 2], (c) => c !== 1)).toEqual({ 0: 4, 2: 2 });
  });
});
