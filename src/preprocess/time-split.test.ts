import { describe, expect, it } from 'vitest';
import { timeSplit } from './time-split.js';

describe('timeSplit', () => {
  it('trains on the earliest rows and tests on the latest, whatever the file order', () => {
    const ts = Float64Array.from([50, 10, 40, 20, 30, 60, 70, 80, 90, 100]);
    const parts = timeSplit(ts, 0.7);
    expect(Array.from(parts.train, (i) => ts[i])).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(Array.from(parts.test, (i) => ts[i])).toEqual([80, 90, 100]);
    expect(parts.trainEnd).toBe(70);
    expect(parts.testStart).toBe(80);
  });

  it('never puts one instant on both sides: ties at the cut stay in training', () => {
    const ts = Float64Array.from([1, 2, 3, 3, 3, 4]);
    const parts = timeSplit(ts, 0.5);
    expect(Array.from(parts.train).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(parts.test)).toEqual([5]);
  });

  it('refuses a cut that leaves nothing to test', () => {
    expect(() => timeSplit(Float64Array.from([1, 2, 2, 2]), 0.5)).toThrow(/nothing is left to test on/);
    expect(() => timeSplit(Float64Array.from([1, 2]), 1)).toThrow(/between 0 and 1/);
  });

  it('by elapsed time: cuts at the fraction of the time span, so a late burst goes wholly to the test part', () => {
    // Quiet traffic once a second for 70 s, then a burst of 30 rows in second 80.
    const quiet = Array.from({ length: 71 }, (_, i) => i);
    const burst = Array.from({ length: 30 }, (_, i) => 80 + i / 100);
    const ts = Float64Array.from([...burst, ...quiet]);
    const byRows = timeSplit(ts, 0.7);
    expect(byRows.train.length).toBe(Math.floor(101 * 0.7));
    const byTime = timeSplit(ts, 0.7, 'elapsed');
    // The mark: 0 + (80.29 − 0) × 0.7 ≈ 56.2 s.
    expect(Array.from(byTime.train, (i) => ts[i])).toEqual(quiet.slice(0, 57));
    expect(byTime.test.length).toBe(14 + 30);
    expect(byTime.trainEnd).toBe(56);
    expect(byTime.testStart).toBe(57);
  });
});
