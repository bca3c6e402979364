import { describe, expect, it } from 'vitest';
import { MinAlertingGate } from './min-alerting-gate.js';

describe('MinAlertingGate', () => {
  it('holds a source until its K-th alerting packet in the window, which brings the held ones with it', () => {
    const gate = new MinAlertingGate(3, 60_000);
    expect([gate.admit('a', 1_000), gate.admit('a', 2_000)]).toEqual([0, 0]);
    expect(gate.admit('b', 2_500)).toBe(0);
    expect(gate.admit('a', 3_000)).toBe(3);
    expect(gate.admit('a', 4_000)).toBe(1);
    expect(gate.admit('b', 5_000)).toBe(0);
  });

  it('starts every source from zero in a new window', () => {
    const gate = new MinAlertingGate(2, 60_000);
    expect(gate.admit('a', 59_999)).toBe(0);
    expect(gate.admit('a', 60_000)).toBe(0);
    expect(gate.admit('a', 60_001)).toBe(2);
  });

  it('admits every packet with K = 1', () => {
    const gate = new MinAlertingGate(1, 60_000);
    expect([gate.admit('a', 0), gate.admit('a', 1)]).toEqual([1, 1]);
  });

  it('refuses a K that is not a whole number from 1 to 10000', () => {
    for (const k of [0, -1, 1.5, Number.NaN, 10_001]) {
      expect(() => new MinAlertingGate(k, 60_000)).toThrow(/--min-alerting must be a whole number/);
    }
  });
});
