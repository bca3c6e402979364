import { describe, expect, it } from 'vitest';
import type { NumericColumn } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { fitMinMax, scaleColumnInto } from './min-max.js';

function column(values: number[], name = 'src_bytes'): NumericColumn {
  return { kind: 'numeric', name, values: Float32Array.from(values) };
}

function scale(values: number[], range: { min: number; max: number }, log1p = false, clip = true) {
  const out = new Float32Array(values.length);
  const forced = scaleColumnInto(Float32Array.from(values), range, log1p, clip, {
    out,
    stride: 1,
    offset: 0,
  });
  return { out: [...out], forced };
}

describe('fitMinMax', () => {
  it('learns the range, after log1p when asked', () => {
    expect(fitMinMax(column([3, -2, 10]), false)).toEqual({ min: -2, max: 10 });
    const range = fitMinMax(column([0, 9, 99]), true);
    expect(range.min).toBe(0);
    expect(range.max).toBeCloseTo(Math.log(100), 12);
  });

  it('rejects a negative value in a log1p column, naming line and field', () => {
    const lines = Uint32Array.from([5, 6, 7]);
    expect(() => fitMinMax(column([1, -1, 2]), true, lines)).toThrow(IotIdsError);
    expect(() => fitMinMax(column([1, -1, 2]), true, lines)).toThrow(/line 6, field "src_bytes".*negative/);
  });

  it('rejects NaN and empty columns', () => {
    expect(() => fitMinMax(column([1, Number.NaN]), false)).toThrow(/NaN/);
    expect(() => fitMinMax(column([]), false)).toThrow(IotIdsError);
  });
});

describe('scaleColumnInto', () => {
  it('maps the training range exactly onto [0, 1] without counting anything', () => {
    const random = new Random(5);
    const values = Array.from({ length: 2000 }, () => Math.fround(random.normal() * 1e6));
    for (const log1p of [false, true]) {
      const input = log1p ? values.map(Math.abs) : values;
      const range = fitMinMax(column(input), log1p);
      const { out, forced } = scale(input, range, log1p);
      expect(forced).toBe(0);
      expect(Math.min(...out)).toBe(0);
      expect(Math.max(...out)).toBe(1);
    }
  });

  it('clips values outside the training range and counts them', () => {
    const { out, forced } = scale([-5, 0, 5, 10, 20], { min: 0, max: 10 });
    expect(out).toEqual([0, 0, 0.5, 1, 1]);
    expect(forced).toBe(2);
  });

  it('leaves out-of-range values alone when clip is off', () => {
    const { out, forced } = scale([-5, 20], { min: 0, max: 10 }, false, false);
    expect(out).toEqual([-0.5, 2]);
    expect(forced).toBe(0);
  });

  it('maps a constant column to 0, whatever the test value', () => {
    const { out, forced } = scale([3, 4, -1], { min: 3, max: 3 });
    expect(out).toEqual([0, 0, 0]);
    expect(forced).toBe(0);
  });

  it('clamps negative log1p inputs to 0 and counts each forced value once', () => {
    const range = { min: Math.log1p(1), max: Math.log1p(9) };
    const { out, forced } = scale([-3, 0, 9], range, true);
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBe(1);
    expect(forced).toBe(2);
  });

  it('turns NaN into 0 and counts it', () => {
    const { out, forced } = scale([Number.NaN, 5], { min: 0, max: 10 }, false, false);
    expect(out).toEqual([0, 0.5]);
    expect(forced).toBe(1);
  });

  it('writes into its own column of a row-major buffer only', () => {
    const out = new Float32Array(6).fill(7);
    scaleColumnInto(Float32Array.from([0, 10]), { min: 0, max: 10 }, false, true, {
      out,
      stride: 3,
      offset: 1,
    });
    expect([...out]).toEqual([7, 0, 7, 7, 1, 7]);
  });
});
