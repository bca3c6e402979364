import { describe, expect, it } from 'vitest';
import { VectorAdam } from './vector-adam.js';

describe('VectorAdam', () => {
  it('takes a first step of learningRate against the gradient sign (bias-corrected)', () => {
    const adam = new VectorAdam([2]);
    const p = Float32Array.of(1, -1);
    adam.update([p], [Float64Array.of(4, -0.01)], 0.1, [0]);
    expect(p[0]).toBeCloseTo(0.9, 5);
    expect(p[1]).toBeCloseTo(-0.9, 4);
    expect(adam.step).toBe(1);
  });

  it('minimises a quadratic plus its L2 term: (p - 3)^2 with l2 = 1 settles at 2', () => {
    const adam = new VectorAdam([1]);
    const p = Float32Array.of(0);
    for (let i = 0; i < 3000; i++) adam.update([p], [Float64Array.of(2 * (p[0] - 3))], 0.01, [1]);
    // d/dp [(p - 3)^2 + p^2 / 2] = 0  ⇒  p = 2.
    expect(p[0]).toBeCloseTo(2, 2);
  });

  it('rejects a mismatched number of parameters', () => {
    expect(() =>
      new VectorAdam([1, 2]).update([new Float32Array(1)], [new Float64Array(1)], 0.1, [0]),
    ).toThrow(/parameters/);
  });
});
