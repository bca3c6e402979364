import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { leaveAttackTypeOutSplit } from './attack-type-split.js';

const classes = ['normal', 'dos', 'u2r'];
const labels = ['normal', 'neptune', 'smurf', 'back', 'pod', 'perl', 'rootkit'];

/** Rows per (class, raw label): normal 100; dos neptune 80, smurf 10, back 6, pod 4; u2r perl 2, rootkit 2. */
function fixture(): { y: Int32Array; raw: Int32Array } {
  const spec: [number, number, number][] = [
    [0, 0, 100],
    [1, 1, 80],
    [1, 2, 10],
    [1, 3, 6],
    [1, 4, 4],
    [2, 5, 2],
    [2, 6, 2],
  ];
  const y: number[] = [];
  const raw: number[] = [];
  for (const [c, l, n] of spec) {
    for (let i = 0; i < n; i++) {
      y.push(c);
      raw.push(l);
    }
  }
  return { y: Int32Array.from(y), raw: Int32Array.from(raw) };
}

describe('leaveAttackTypeOutSplit', () => {
  it('holds out whole attack types of each class, never the dominant one, and random rows of a one-label class', () => {
    const { y, raw } = fixture();
    for (const seed of [1, 2, 3, 4, 5]) {
      const parts = leaveAttackTypeOutSplit(y, raw, labels, classes, 0.1, seed);
      expect(parts.train.length + parts.test.length).toBe(y.length);
      expect(new Set([...parts.train, ...parts.test]).size).toBe(y.length);
      const testLabels = new Set([...parts.test].map((i) => labels[raw[i]]));
      const trainLabels = new Set([...parts.train].map((i) => labels[raw[i]]));
      // A held-out type is entirely on the validation side.
      for (const label of testLabels) if (label !== 'normal') expect(trainLabels.has(label)).toBe(false);
      expect(testLabels.has('neptune')).toBe(false);
      expect(parts.heldOutTypes[1].length).toBeGreaterThan(0);
      expect(parts.heldOutTypes[2]).toHaveLength(1);
      expect(parts.heldOutTypes[0]).toEqual([]);
      expect(parts.randomRowClasses).toEqual([0]);
      // normal: a random 10 % of its rows on each side.
      expect([...parts.test].filter((i) => y[i] === 0)).toHaveLength(10);
      // Every class keeps training rows.
      for (let c = 0; c < classes.length; c++) expect([...parts.train].some((i) => y[i] === c)).toBe(true);
    }
  });

  it('is the same for the same seed and varies the held-out types across seeds', () => {
    const { y, raw } = fixture();
    const a = leaveAttackTypeOutSplit(y, raw, labels, classes, 0.1, 7);
    const b = leaveAttackTypeOutSplit(y, raw, labels, classes, 0.1, 7);
    expect([...a.test]).toEqual([...b.test]);
    const heldU2r = new Set(
      [1, 2, 3, 4, 5, 6, 7, 8].map(
        (s) => leaveAttackTypeOutSplit(y, raw, labels, classes, 0.1, s).heldOutTypes[2][0],
      ),
    );
    expect(heldU2r).toEqual(new Set(['perl', 'rootkit']));
  });

  it('refuses a class that would have no validation rows', () => {
    const y = Int32Array.from([0, 0, 0, 0, 1]);
    const raw = Int32Array.from([0, 0, 0, 0, 1]);
    expect(() => leaveAttackTypeOutSplit(y, raw, ['normal', 'perl'], ['normal', 'u2r'], 0.2, 1)).toThrow(
      /class "u2r" with no validation rows/,
    );
    expect(() => leaveAttackTypeOutSplit(y, raw, ['normal', 'perl'], ['normal', 'u2r'], 0.2, 1)).toThrow(
      IotIdsError,
    );
  });

  it('refuses a fraction outside (0, 1)', () => {
    const { y, raw } = fixture();
    expect(() => leaveAttackTypeOutSplit(y, raw, labels, classes, 0, 1)).toThrow(/between 0 and 1/);
  });
});
