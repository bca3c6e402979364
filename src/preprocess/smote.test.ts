import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { classCounts } from './class-counts.js';
import { createMatrix, rowOf, type Matrix } from './matrix.js';
import { smote } from './smote.js';

const CONTINUOUS = 3;
const ONE_HOT = 3;
const binaryColumns = [
  ...new Array<boolean>(CONTINUOUS).fill(false),
  ...new Array<boolean>(ONE_HOT).fill(true),
];

/** Rows of 3 continuous values and a 3-wide one-hot block; class sizes as given. */
function fixture(sizes: number[], seed = 9): { x: Matrix; y: Int32Array } {
  const random = new Random(seed);
  const y = Int32Array.from(sizes.flatMap((n, c) => new Array<number>(n).fill(c)));
  const cols = CONTINUOUS + ONE_HOT;
  const data = new Float32Array(y.length * cols);
  y.forEach((c, i) => {
    for (let j = 0; j < CONTINUOUS; j++) data[i * cols + j] = c + random.next();
    data[i * cols + CONTINUOUS + random.int(ONE_HOT)] = 1;
  });
  return { x: createMatrix(y.length, cols, data), y };
}

/** The interpolation factor that puts `s` on the segment a→b in every continuous column, or undefined. */
function segmentFactor(a: Float32Array, b: Float32Array, s: Float32Array): number | undefined {
  let widest = 0;
  for (let j = 1; j < CONTINUOUS; j++)
    if (Math.abs(b[j] - a[j]) > Math.abs(b[widest] - a[widest])) widest = j;
  const span = b[widest] - a[widest];
  const u = span === 0 ? 0 : (s[widest] - a[widest]) / span;
  if (u < -1e-6 || u > 1 + 1e-6) return undefined;
  for (let j = 0; j < CONTINUOUS; j++) {
    if (Math.abs(a[j] + u * (b[j] - a[j]) - s[j]) > 1e-5) return undefined;
  }
  return u;
}

/** Least-squares interpolation factor of `s` along a→b over all columns (0 for a degenerate segment). */
function segmentU(a: Float32Array, b: Float32Array, s: Float32Array): number {
  let num = 0;
  let den = 0;
  a.forEach((v, j) => {
    num += (s[j] - v) * (b[j] - v);
    den += (b[j] - v) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

/** Checks every synthetic row lies between two original rows of its class and copies one parent's block. */
function expectOnSegments(
  original: { x: Matrix; y: Int32Array },
  result: { x: Matrix; y: Int32Array },
): void {
  for (let r = original.x.rows; r < result.x.rows; r++) {
    const s = rowOf(result.x, r);
    const c = result.y[r];
    const peers = [...original.y.keys()].filter((i) => original.y[i] === c);
    const pair = peers
      .flatMap((i) => peers.map((j) => [i, j]))
      .find(([i, j]) => {
        if (i === j && peers.length > 1) return false;
        const a = rowOf(original.x, i);
        const b = rowOf(original.x, j);
        const u = segmentFactor(a, b, s);
        if (u === undefined) return false;
        const parent = u < 0.5 ? a : b;
        return [...s.subarray(CONTINUOUS)].every((v, k) => v === parent[CONTINUOUS + k]);
      });
    expect(pair, `synthetic row ${r} of class ${c}`).toBeDefined();
  }
}

describe('smote', () => {
  it('grows every minority class to ratio × majority and keeps the original rows first', () => {
    const data = fixture([40, 7, 12]);
    const result = smote(data.x, data.y, { binaryColumns });
    expect([...classCounts(result.y)]).toEqual([40, 40, 40]);
    expect(result.added).toEqual({ 1: 33, 2: 28 });
    expect([...result.x.data.subarray(0, data.x.data.length)]).toEqual([...data.x.data]);
    expect([...result.y.subarray(0, data.y.length)]).toEqual([...data.y]);

    const half = smote(data.x, data.y, { targetRatio: 0.5 });
    expect([...classCounts(half.y)]).toEqual([40, 20, 20]);
    expect(half.added).toEqual({ 1: 13, 2: 8 });
  });

  it('grows only the requested classes and never shrinks one', () => {
    const data = fixture([40, 7, 12]);
    const result = smote(data.x, data.y, { classes: [2, 0], targetRatio: 0.25 });
    expect(result.added).toEqual({ 0: 0, 2: 0 });
    expect(result.x.rows).toBe(data.x.rows);
    const grown = smote(data.x, data.y, { classes: [1] });
    expect([...classCounts(grown.y)]).toEqual([40, 40, 12]);
  });

  it('puts synthetic values on segments between rows of the same class', () => {
    const data = fixture([30, 6, 9]);
    expectOnSegments(data, smote(data.x, data.y, { k: 3, binaryColumns, seed: 4 }));
  });

  it('interpolates towards one of the k nearest neighbours', () => {
    const data = fixture([20, 8]);
    const result = smote(data.x, data.y, { k: 1, classes: [1] });
    const members = [...data.y.keys()].filter((i) => data.y[i] === 1);
    const distance = (a: Float32Array, b: Float32Array) => a.reduce((d, v, j) => d + (v - b[j]) ** 2, 0);
    const nearest = (i: number) =>
      members
        .filter((j) => j !== i)
        .sort(
          (p, q) =>
            distance(rowOf(data.x, i), rowOf(data.x, p)) - distance(rowOf(data.x, i), rowOf(data.x, q)),
        )[0];
    for (let r = data.x.rows; r < result.x.rows; r++) {
      const s = rowOf(result.x, r);
      const fromBase = members.some(
        (i) => segmentFactor(rowOf(data.x, i), rowOf(data.x, nearest(i)), s) !== undefined,
      );
      expect(fromBase).toBe(true);
    }
  });

  it('finds exact nearest neighbours on clustered data larger than the pivot set', () => {
    const random = new Random(21);
    const cols = 6;
    const n = 300;
    const centres = Array.from({ length: 8 }, () => Array.from({ length: cols }, () => random.next() * 10));
    const data = new Float32Array((n + 10) * cols);
    for (let i = 0; i < n; i++) {
      const centre = centres[random.int(centres.length)];
      // Every fifth row repeats an earlier one, so ties at distance 0 occur.
      if (i % 5 === 4) data.copyWithin(i * cols, (i - 3) * cols, (i - 2) * cols);
      else for (let j = 0; j < cols; j++) data[i * cols + j] = centre[j] + random.normal() * 0.3;
    }
    const x = createMatrix(n + 10, cols, data);
    const y = Int32Array.from({ length: n + 10 }, (_, i) => (i < n ? 1 : 0));
    const result = smote(x, y, { k: 1, targetRatio: 1.5, classes: [1], seed: 8 });
    expect(result.added).toEqual({ 1: 150 });
    const distance = (a: number, b: number) =>
      rowOf(x, a).reduce((d, v, j) => d + (v - rowOf(x, b)[j]) ** 2, 0);
    const nearestSet = (i: number): number[] => {
      const others = [...Array(n).keys()].filter((j) => j !== i);
      const best = Math.min(...others.map((j) => distance(i, j)));
      return others.filter((j) => distance(i, j) === best);
    };
    const neighbours = Array.from({ length: n }, (_, i) => nearestSet(i));
    for (let r = x.rows; r < result.x.rows; r++) {
      const s = rowOf(result.x, r);
      const onSegment = (a: Float32Array, b: Float32Array) =>
        a.every((v, j) => Math.abs(v + segmentU(a, b, s) * (b[j] - v) - s[j]) < 1e-4);
      const explained = neighbours.some((nn, i) => nn.some((j) => onSegment(rowOf(x, i), rowOf(x, j))));
      expect(explained, `synthetic row ${r}`).toBe(true);
    }
  });

  it('keeps binary columns exactly 0/1 with one hot value per block', () => {
    const data = fixture([50, 5, 9]);
    const result = smote(data.x, data.y, { binaryColumns });
    for (let r = data.x.rows; r < result.x.rows; r++) {
      const block = [...rowOf(result.x, r).subarray(CONTINUOUS)];
      expect(block.every((v) => v === 0 || v === 1)).toBe(true);
      expect(block.reduce((a, b) => a + b, 0)).toBe(1);
    }
    const interpolated = smote(data.x, data.y, { seed: 2 });
    const fractional = [...interpolated.x.data.subarray(data.x.data.length)].some(
      (v, i) => i % 6 >= CONTINUOUS && v % 1 !== 0,
    );
    expect(fractional).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const data = fixture([40, 7, 12]);
    const a = smote(data.x, data.y, { seed: 3, binaryColumns });
    const b = smote(data.x, data.y, { seed: 3, binaryColumns });
    const c = smote(data.x, data.y, { seed: 4, binaryColumns });
    expect([...a.x.data]).toEqual([...b.x.data]);
    expect([...a.y]).toEqual([...b.y]);
    expect([...a.x.data]).not.toEqual([...c.x.data]);
  });

  it('grows a single-row class by duplicating it', () => {
    const data = fixture([10, 1]);
    const result = smote(data.x, data.y);
    expect(result.added).toEqual({ 1: 9 });
    const only = [...rowOf(data.x, 10)];
    for (let r = 11; r < 20; r++) expect([...rowOf(result.x, r)]).toEqual(only);
  });

  it('stays on same-class segments when it searches a sample of a large class', () => {
    const data = fixture([60, 25]);
    const result = smote(data.x, data.y, { maxCandidates: 8, k: 3, binaryColumns });
    expect(result.added).toEqual({ 1: 35 });
    expectOnSegments(data, result);
  });

  it('rejects bad options', () => {
    const data = fixture([10, 3]);
    expect(() => smote(data.x, data.y, { k: 0 })).toThrow(IotIdsError);
    expect(() => smote(data.x, data.y, { targetRatio: -1 })).toThrow(IotIdsError);
    expect(() => smote(data.x, data.y, { binaryColumns: [true] })).toThrow(/binaryColumns has 1/);
    expect(() => smote(data.x, data.y, { classes: [5] })).toThrow(/class 5/);
    expect(() => smote(data.x, data.y, { maxCandidates: 5, k: 5 })).toThrow(IotIdsError);
    expect(() => smote(data.x, data.y.subarray(1))).toThrow(IotIdsError);
  });
});
