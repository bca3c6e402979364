import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { accuracy, averaged, perClassStats } from './classification-metrics.js';
import { confusionMatrix } from './confusion.js';

describe('accuracy', () => {
  it('is the fraction of matching labels', () => {
    expect(accuracy([0, 1, 2, 2, 2], [0, 0, 2, 2, 1])).toBeCloseTo(3 / 5, 12);
    expect(accuracy(Int32Array.from([1, 1]), Int32Array.from([1, 1]))).toBe(1);
  });

  it('is 0 for no rows and rejects mismatched lengths', () => {
    expect(accuracy([], [])).toBe(0);
    expect(() => accuracy([0, 1], [0])).toThrow(IotIdsError);
  });
});

describe('perClassStats and averaged', () => {
  // Worked by hand from [[2,1,1],[1,2,0],[0,1,2]] (10 rows; row sums 4,3,3; column sums 3,4,3):
  //   class 0: tp 2, fp 1, fn 2, tn 5 → precision 2/3, recall 1/2, f1 4/7, specificity 5/6
  //   class 1: tp 2, fp 2, fn 1, tn 5 → precision 1/2, recall 2/3, f1 4/7, specificity 5/7
  //   class 2: tp 2, fp 1, fn 1, tn 6 → precision 2/3, recall 2/3, f1 2/3, specificity 6/7
  const confusion = [
    [2, 1, 1],
    [1, 2, 0],
    [0, 1, 2],
  ];

  it('computes one-vs-rest statistics of a hand-worked 3-class matrix', () => {
    const expected = [
      { precision: 2 / 3, recall: 1 / 2, f1: 4 / 7, specificity: 5 / 6, support: 4 },
      { precision: 1 / 2, recall: 2 / 3, f1: 4 / 7, specificity: 5 / 7, support: 3 },
      { precision: 2 / 3, recall: 2 / 3, f1: 2 / 3, specificity: 6 / 7, support: 3 },
    ];
    const stats = perClassStats(confusion);
    expect(stats).toHaveLength(3);
    stats.forEach((s, c) => {
      for (const key of ['precision', 'recall', 'f1', 'specificity', 'support'] as const) {
        expect(s[key]).toBeCloseTo(expected[c][key], 12);
      }
    });
  });

  it('averages the hand-worked statistics (macro = plain mean, weighted = by support)', () => {
    const stats = perClassStats(confusion);
    const precision = averaged(stats, 'precision');
    expect(precision.macro).toBeCloseTo(11 / 18, 12);
    expect(precision.weighted).toBeCloseTo((4 * (2 / 3) + 3 * (1 / 2) + 3 * (2 / 3)) / 10, 12);
    const recall = averaged(stats, 'recall');
    expect(recall.macro).toBeCloseTo(11 / 18, 12);
    expect(recall.weighted).toBeCloseTo(0.6, 12); // weighted recall is always the accuracy
    const f1 = averaged(stats, 'f1');
    expect(f1.macro).toBeCloseTo(38 / 63, 12);
    expect(f1.weighted).toBeCloseTo(0.6, 12);
  });

  it('matches the precision/recall/f1 examples of the scikit-learn documentation', () => {
    // y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]: precision macro 0.22..., weighted 0.22...,
    // per class [0.66..., 0, 0]; recall macro 0.33..., per class [1, 0, 0]; f1 macro 0.26...,
    // weighted 0.26..., per class [0.8, 0, 0].
    const stats = perClassStats(confusionMatrix([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3));
    expect(stats.map((s) => s.precision)).toEqual([2 / 3, 0, 0]);
    expect(stats.map((s) => s.recall)).toEqual([1, 0, 0]);
    expect(stats.map((s) => s.f1)).toEqual([0.8, 0, 0]);
    expect(averaged(stats, 'precision').macro).toBeCloseTo(0.2222222, 6);
    expect(averaged(stats, 'precision').weighted).toBeCloseTo(0.2222222, 6);
    expect(averaged(stats, 'recall').macro).toBeCloseTo(0.3333333, 6);
    expect(averaged(stats, 'f1').macro).toBeCloseTo(0.2666667, 6);
    expect(averaged(stats, 'f1').weighted).toBeCloseTo(0.2666667, 6);
  });

  it('gives 0 on zero division, as scikit-learn with zero_division=0', () => {
    // scikit-learn docs: recall_score([0]*6, [0, 2, 1, 0, 0, 1], average=None) → [0.5, 0, 0]
    const stats = perClassStats(confusionMatrix([0, 0, 0, 0, 0, 0], [0, 2, 1, 0, 0, 1], 3));
    expect(stats.map((s) => s.recall)).toEqual([0.5, 0, 0]);
    expect(stats.map((s) => s.precision)).toEqual([1, 0, 0]);
    expect(stats.map((s) => s.support)).toEqual([6, 0, 0]);
    // class 1 is predicted for two class-0 rows: fp 2, tn 4
    expect(stats[1].specificity).toBeCloseTo(4 / 6, 12);
    // A class neither present nor predicted: every ratio 0 except specificity (nothing wrongly flagged).
    const absent = perClassStats(confusionMatrix([0, 1], [0, 1], 3))[2];
    expect(absent).toEqual({ precision: 0, recall: 0, f1: 0, specificity: 1, support: 0 });
    // Nothing at all: all zeros, no NaN.
    expect(perClassStats(confusionMatrix([], [], 2))).toEqual([
      { precision: 0, recall: 0, f1: 0, specificity: 0, support: 0 },
      { precision: 0, recall: 0, f1: 0, specificity: 0, support: 0 },
    ]);
  });

  it('counts every class given in the macro mean and returns 0 for empty input', () => {
    const stats = perClassStats(confusionMatrix([0, 1], [0, 1], 3));
    expect(averaged(stats, 'f1')).toEqual({ macro: 2 / 3, weighted: 1 });
    expect(averaged([], 'precision')).toEqual({ macro: 0, weighted: 0 });
  });
});
