import { describe, expect, it } from 'vitest';
import { groupSplit } from './group-split.js';

describe('groupSplit', () => {
  const codes = Int32Array.from({ length: 100 }, (_, i) => i % 7);

  it('puts every group on one side only and holds out at least the asked share of rows', () => {
    const parts = groupSplit(codes, 0.3, 5);
    const trainGroups = new Set(Array.from(parts.train, (i) => codes[i]));
    const testGroups = new Set(Array.from(parts.test, (i) => codes[i]));
    expect([...trainGroups].filter((g) => testGroups.has(g))).toEqual([]);
    expect(parts.train.length + parts.test.length).toBe(100);
    expect(parts.test.length).toBeGreaterThanOrEqual(30);
    expect([...testGroups].sort()).toEqual([...parts.testGroups].sort());
  });

  it('is repeatable for a seed and keeps one group on each side even for a large fraction', () => {
    expect(groupSplit(codes, 0.3, 5)).toEqual(groupSplit(codes, 0.3, 5));
    const most = groupSplit(codes, 0.99, 1);
    expect(most.trainGroups).toHaveLength(1);
    expect(() => groupSplit(new Int32Array(10), 0.3, 1)).toThrow(/at least two groups, found 1/);
  });
});
