import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../preprocess/matrix.js';
import { routeAnomalies } from './route-unknown.js';

describe('routeAnomalies', () => {
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
    const routed = routeAnomalies(scores, [1, 1, 1, 0], 1);
    expect(Array.from(routed)).toEqual([2, 0, 0, 1]);
  });

  it('is the plain arg-max without anomalies', () => {
    expect(Array.from(routeAnomalies(scores, [0, 0, 0, 0], 1))).toEqual([1, 1, 0, 1]);
  });

  it('works when normal is column 0', () => {
    const m = createMatrix(1, 3, Float32Array.from([0.8, 0.05, 0.15]));
    expect(Array.from(routeAnomalies(m, [1], 0))).toEqual([2]);
  });

  it('refuses mismatched verdicts and a normal index outside the columns', () => {
    expect(() => routeAnomalies(scores, [1], 1)).toThrow(/4 classifier score rows but 1/);
    expect(() => routeAnomalies(scores, [0, 0, 0, 0], 3)).toThrow(/not one of the 3/);
  });
});

const m = (rows: number[][]) => createMatrix(rows.length, rows[0].length, Float32Array.from(rows.flat()));

describe('routeAnomalies with a router', () => {
  // columns: normal, dos, probe
  const scores = m([
    [0.9, 0.06, 0.04],
    [0.9, 0.06, 0.04],
    [0.1, 0.2, 0.7],
  ]);

  it('keeps the arg-max unless the classifier says normal and the row is anomalous', () => {
    expect(Array.from(routeAnomalies(scores, [0, 1, 1], 0))).toEqual([0, 1, 2]);
  });

  it('routes anomalous normal verdicts by the router, ignoring its normal column', () => {
    const router = m([
      [0, 0.2, 0.8],
      [0.99, 0.2, 0.8],
      [0, 1, 0],
    ]);
    expect(Array.from(routeAnomalies(scores, [1, 1, 1], 0, router))).toEqual([2, 2, 2]);
  });

  it('refuses mismatched inputs', () => {
    expect(() => routeAnomalies(scores, [0, 1], 0)).toThrow(/must match/);
    expect(() => routeAnomalies(scores, [0, 1, 0], 3)).toThrow(/normal class index 3/);
  });
});
