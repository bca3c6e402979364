import { describe, expect, it } from 'vitest';
import { focalTerms } from './focal-loss.js';

/** The focal loss as a function of the label's logit, the other logits' exp-sum fixed at `rest`. */
function lossAtLogit(z: number, rest: number, gamma: number): number {
  const total = Math.exp(z) + rest;
  return focalTerms(rest / total, z - Math.log(total), gamma).loss;
}

describe('focalTerms', () => {
  it('is cross-entropy at γ = 0', () => {
    expect(focalTerms(0.3, Math.log(0.7), 0)).toEqual({ loss: -Math.log(0.7), scale: 1 });
  });

  it('weighs a well-classified row down: (1 − p)^γ times the cross-entropy', () => {
    const { loss } = focalTerms(0.1, Math.log(0.9), 2);
    expect(loss).toBeCloseTo(0.01 * -Math.log(0.9), 12);
    expect(focalTerms(0.9, Math.log(0.1), 2).loss).toBeCloseTo(0.81 * -Math.log(0.1), 12);
  });

  it("has the gradient F · (p − 1) along the label's logit (central differences), for γ below and above 1", () => {
    for (const gamma of [0.5, 1, 2, 3]) {
      for (const z of [-2, 0, 1.5, 4]) {
        const rest = Math.exp(0.3) + Math.exp(-0.7);
        const total = Math.exp(z) + rest;
        const p = Math.exp(z) / total;
        const { scale } = focalTerms(rest / total, Math.log(p), gamma);
        const h = 1e-5;
        const numeric = (lossAtLogit(z + h, rest, gamma) - lossAtLogit(z - h, rest, gamma)) / (2 * h);
        expect({ gamma, z, gradient: scale * (p - 1) }).toEqual({
          gamma,
          z,
          gradient: expect.closeTo(numeric, 6) as number,
        });
      }
    }
  });

  it('is 0 with a 0 gradient for a row the softmax gives probability 1 (no 0 · ∞ for γ < 1)', () => {
    expect(focalTerms(0, 0, 0.5)).toEqual({ loss: 0, scale: 0 });
    const tiny = focalTerms(1e-300, -1e-300, 0.5);
    expect(Number.isFinite(tiny.scale)).toBe(true);
    expect(tiny.scale).toBeGreaterThanOrEqual(0);
  });
});
