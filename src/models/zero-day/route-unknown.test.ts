import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../preprocess/matrix.js';
import { routeAnomaliesToNearestAttack } from './route-unknown.js';

describe('routeAnomaliesToNearestAttack', () => {
  // Classes: dos, normal, probe (normal in the middle, so "not normal" is not "not column 0").
  const scores = createMatrix(
    4,
    3,
    Float32Array.from([
      0.1,
      0.6,
      0.3, // normal; nearest attack: probe
      0.3,
      0.5,
      0.2, // normal; nearest attack: dos
      0.7,
      0.2,
      0.1, // dos already
      0.2,
      0.7,
      0.1, // normal, not anomalous
    ]),
  );

  it('sends anomalous rows the classifier calls normal to its most probable attack class', () => {
    const routed = routeAnomaliesToNearestAttack(scores, [1, 1, 1, 0], 1);
    expect(Array.from(routed)).toEqual([2, 0, 0, 1]);
  });

  it('is the plain arg-max without anomalies', () => {
    expect(Array.from(routeAnomaliesToNearestAttack(scores, [0, 0, 0, 0], 1))).toEqual([1, 1, 0, 1]);
  });

  it('works when normal is column 0', () => {
    const m = createMatrix(1, 3, Float32Array.from([0.8, 0.05, 0.15]));
    expect(Array.from(routeAnomaliesToNearestAttack(m, [1], 0))).toEqual([2]);
  });

  it('refuses mismatched verdicts and a normal index outside the columns', () => {
    expect(() => routeAnomaliesToNearestAttack(scores, [1], 1)).toThrow(/4 classifier score rows but 1/);
    expect(() => routeAnomaliesToNearestAttack(scores, [0, 0, 0, 0], 3)).toThrow(/not one of the 3/);
  });
});
