import { describe, expect, it } from 'vitest';
import { Random } from '../../util/random.js';
import { FeatureCorrelation, cutDendrogram, singleLinkage } from './feature-map.js';

describe('feature map', () => {
  it('groups features that move together and keeps every group within the size limit', () => {
    const random = new Random(2);
    const correlation = new FeatureCorrelation(9);
    const x = new Float64Array(9);
    for (let i = 0; i < 2000; i++) {
      const a = random.next();
      const b = random.next();
      const c = random.next();
      // Features 0, 3, 6 follow a; 1, 4, 7 follow b; 2, 5, 8 follow c (with noise and scale).
      for (let f = 0; f < 9; f++) x[f] = [a, b, c][f % 3] * (f + 1) + 0.05 * random.normal();
      correlation.update(x);
    }
    expect(correlation.distance(0, 3)).toBeLessThan(0.05);
    expect(correlation.distance(0, 1)).toBeGreaterThan(0.8);
    const groups = correlation.groups(3).map((g) => [...g].sort((p, q) => p - q));
    expect(groups.map((g) => g.join(',')).sort()).toEqual(['0,3,6', '1,4,7', '2,5,8']);
    const small = correlation.groups(2);
    expect(Math.max(...small.map((g) => g.length))).toBeLessThanOrEqual(2);
    expect(small.flat().sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('puts constant features at distance 1 (no division by zero)', () => {
    const correlation = new FeatureCorrelation(3);
    for (let i = 0; i < 10; i++) correlation.update(Float64Array.of(5, i, -i));
    expect(correlation.distance(0, 1)).toBe(1);
    expect(correlation.distance(1, 2)).toBeCloseTo(2, 9);
    expect(correlation.groups(10)).toHaveLength(1);
  });

  it('single linkage merges by the closest members', () => {
    // Points on a line: 0, 1, 2 close together, 10 and 11 apart.
    const points = [0, 1, 2, 10, 11];
    const tree = singleLinkage(points.length, (i, j) => Math.abs(points[i] - points[j]));
    expect(tree.count).toBe(5);
    const groups = cutDendrogram(tree, 3).map((g) => [...g].sort());
    expect(groups).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(cutDendrogram(tree, 1)).toHaveLength(5);
  });
});
