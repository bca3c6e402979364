import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { createMatrix } from '../preprocess/matrix.js';
import { computeSplitMetrics } from './split-metrics.js';

describe('computeSplitMetrics', () => {
  const classes = ['normal', 'dos', 'probe'];
  const yTrue = Int32Array.from([0, 0, 1, 1, 2, 2]);
  // Arg-max of each row: 0, 1, 1, 0, 2, 1.
  const scores = createMatrix(
    6,
    3,
    Float32Array.from([
      0.7, 0.2, 0.1, 0.4, 0.5, 0.1, 0.3, 0.5, 0.2, 0.5, 0.3, 0.2, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3,
    ]),
  );
  const yPred = Int32Array.from([0, 1, 1, 0, 2, 1]);

  it('assembles the per-split object of metrics.json', () => {
    const metrics = computeSplitMetrics(classes, yTrue, yPred, scores, 1234.5);
    expect(metrics.n).toBe(6);
    expect(metrics.accuracy).toBeCloseTo(3 / 6, 12);
    expect(metrics.confusion).toEqual({
      labels: classes,
      matrix: [
        [1, 1, 0],
        [1, 1, 0],
        [0, 1, 1],
      ],
    });
    // normal: tp 1 fp 1 fn 1 tn 3; dos: tp 1 fp 2 fn 1 tn 2; probe: tp 1 fp 0 fn 1 tn 4
    expect(Object.keys(metrics.perClass)).toEqual(classes);
    expect(metrics.perClass.normal).toEqual({
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
      specificity: 0.75,
      support: 2,
    });
    expect(metrics.perClass.dos.precision).toBeCloseTo(1 / 3, 12);
    expect(metrics.perClass.dos.f1).toBeCloseTo(0.4, 12);
    expect(metrics.perClass.probe).toEqual({
      precision: 1,
      recall: 0.5,
      f1: 2 / 3,
      specificity: 1,
      support: 2,
    });
    expect(metrics.precision.macro).toBeCloseTo((0.5 + 1 / 3 + 1) / 3, 12);
    expect(metrics.recall).toEqual({ macro: 0.5, weighted: 0.5 });
    expect(metrics.f1.weighted).toBeCloseTo((0.5 + 0.4 + 2 / 3) / 3, 12);
    // normal: {0.7, 0.4} vs {0.3, 0.5, 0.1, 0.2} → 7/8; dos: {0.5, 0.3} vs {0.2, 0.5, 0.3, 0.5} → (3 + 1.5) / 8;
    // probe: {0.6, 0.3} vs {0.1, 0.1, 0.2, 0.2} → 8/8
    expect(metrics.rocAuc.perClass).toEqual({ normal: 0.875, dos: 0.5625, probe: 1 });
    expect(metrics.rocAuc.macro).toBeCloseTo(2.4375 / 3, 12);
    expect(metrics.predictRowsPerSecond).toBe(1234.5);
  });

  it('survives a JSON round trip, with null for the AUC of a class absent from the split', () => {
    const yTrueNoProbe = Int32Array.from([0, 0, 1, 1, 1, 1]);
    const metrics = computeSplitMetrics(classes, yTrueNoProbe, yPred, scores, 10);
    expect(metrics.rocAuc.perClass.probe).toBeNull();
    expect(metrics.perClass.probe.support).toBe(0);
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
  });

  it('keeps a class named like an Object.prototype key as plain data', () => {
    const metrics = computeSplitMetrics(['__proto__', 'constructor', 'x'], yTrue, yPred, scores, 1);
    expect(Object.keys(metrics.perClass)).toEqual(['__proto__', 'constructor', 'x']);
    expect(JSON.parse(JSON.stringify(metrics.rocAuc.perClass))).toHaveProperty('__proto__', 0.875);
  });

  it('rejects shapes that do not line up and duplicate class names', () => {
    expect(() => computeSplitMetrics(['a', 'b'], yTrue, yPred, scores, 1)).toThrow(/3 columns for 2 classes/);
    expect(() => computeSplitMetrics(classes, yTrue.subarray(1), yPred, scores, 1)).toThrow(IotIdsError);
    expect(() => computeSplitMetrics(['a', 'a', 'b'], yTrue, yPred, scores, 1)).toThrow(/distinct/);
  });
});
