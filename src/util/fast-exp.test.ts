import { describe, expect, it } from 'vitest';
import { fastExp, fastSigmoid } from './fast-exp.js';
import { Random } from './random.js';

const relative = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

describe('fastExp', () => {
  it('agrees with Math.exp to a few ulps wherever the result is a normal double', () => {
    const random = new Random(3);
    let worst = 0;
    for (let i = 0; i < 100_000; i++) {
      // Half the draws where the sigmoids live, half over the whole normal range.
      const x = i % 2 ? (random.next() * 2 - 1) * 70 : -708 + random.next() * (709.78 + 708);
      worst = Math.max(worst, relative(fastExp(x), Math.exp(x)));
    }
    expect(worst).toBeLessThan(4 * Number.EPSILON);
    for (const x of [-707.9, -64, -1, -1e-300, 1e-300, 1, 64, 709.7]) {
      expect(relative(fastExp(x), Math.exp(x))).toBeLessThan(4 * Number.EPSILON);
    }
  });

  it('underflows through the subnormals to 0, overflows to ∞ where Math.exp does, and keeps NaN', () => {
    for (let x = -745; x < -708; x += 0.37) {
      // Subnormal results keep fewer bits: one unit of the smallest subnormal apart at most.
      expect(Math.abs(fastExp(x) - Math.exp(x))).toBeLessThanOrEqual(Math.max(Math.exp(x) * 1e-12, 5e-324));
    }
    for (const x of [-1000, -746, 709.8, 710, 1000, Infinity, -Infinity])
      expect(fastExp(x)).toBe(Math.exp(x));
    expect(fastExp(NaN)).toBeNaN();
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-0)).toBe(1);
  });

  it('fastSigmoid agrees with 1 / (1 + Math.exp(−a)) to a few ulps, saturates to 0 and 1, and keeps NaN', () => {
    const random = new Random(5);
    let worst = 0;
    for (let i = 0; i < 100_000; i++) {
      const a = i % 2 ? (random.next() * 2 - 1) * 40 : (random.next() * 2 - 1) * 800;
      worst = Math.max(worst, relative(fastSigmoid(a), 1 / (1 + Math.exp(-a))));
    }
    expect(worst).toBeLessThan(4 * Number.EPSILON);
    for (const a of [
      0,
      1e-300,
      -1e-300,
      37,
      -37,
      708.5,
      -708.5,
      745,
      -745.5,
      1000,
      -1000,
      Infinity,
      -Infinity,
    ]) {
      expect(relative(fastSigmoid(a), 1 / (1 + Math.exp(-a)))).toBeLessThan(4 * Number.EPSILON);
    }
    expect(fastSigmoid(0)).toBe(0.5);
    expect(fastSigmoid(-Infinity)).toBe(0);
    expect(fastSigmoid(Infinity)).toBe(1);
    expect(fastSigmoid(NaN)).toBeNaN();
  });
});
