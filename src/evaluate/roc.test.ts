import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { createMatrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import { downsampleCurve, rocAucBinary, rocAucOneVsRest, rocCurve, type RocCurve } from './roc.js';

function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

/** The definition, pair by pair: P(positive scores above negative), ties counting one half. */
function pairwiseAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!positive[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (positive[j]) continue;
      pairs++;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

function randomProblem(
  seed: number,
  n: number,
  levels: number,
): { scores: Float64Array; positive: boolean[] } {
  const random = new Random(seed);
  const positive = Array.from({ length: n }, () => random.next() < 0.4);
  // Informative but noisy scores on a coarse grid, so ties are frequent.
  const scores = Float64Array.from(
    positive,
    (p) => Math.round((random.next() + (p ? 0.3 : 0)) * levels) / levels,
  );
  return { scores, positive };
}

describe('rocAucBinary', () => {
  it('matches the roc_auc_score example of the scikit-learn documentation', () => {
    // y_true = [0, 0, 1, 1], y_scores = [0.1, 0.4, 0.35, 0.8] → 0.75
    expect(rocAucBinary([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAucBinary(Float32Array.from([0.1, 0.4, 0.35, 0.8]), [false, false, true, true])).toBe(0.75);
  });

  it('is 0.5 when every score is equal, 1 for a perfect and 0 for an inverted scorer', () => {
    expect(rocAucBinary([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0, 0])).toBe(0.5);
    expect(rocAucBinary([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAucBinary([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });

  it('counts tied pairs as one half', () => {
    // positives 0.5, 0.7; negatives 0.5, 0.2: pairs (0.5,0.5)=½, (0.5,0.2)=1, (0.7,·)=2 → 3.5 / 4
    expect(rocAucBinary([0.5, 0.7, 0.5, 0.2], [1, 1, 0, 0])).toBe(0.875);
  });

  it('handles infinite scores and signed zeros as ordinary values', () => {
    expect(rocAucBinary([-Infinity, Infinity, 0, -0], [0, 1, 1, 0])).toBe(0.875);
  });

  it('is null when one class is absent', () => {
    expect(rocAucBinary([0.1, 0.9], [1, 1])).toBeNull();
    expect(rocAucBinary([0.1, 0.9], [false, false])).toBeNull();
    expect(rocAucBinary([], [])).toBeNull();
  });

  it('agrees with the pairwise definition and with the trapezoidal area under rocCurve', () => {
    for (const seed of [1, 2, 3]) {
      const { scores, positive } = randomProblem(seed, 400, 10);
      const auc = rocAucBinary(scores, positive);
      const curve = rocCurve(scores, positive);
      expect(auc).not.toBeNull();
      expect(auc!).toBeCloseTo(pairwiseAuc(scores, positive), 12);
      expect(auc!).toBeCloseTo(trapezoidArea(curve.fpr, curve.tpr), 12);
    }
  });

  it('rejects NaN scores, flags other than booleans/0/1, and mismatched lengths', () => {
    expect(() => rocAucBinary([0.1, NaN], [0, 1])).toThrow(/scores\[1\] is NaN/);
    expect(() => rocAucBinary([0.1, 0.2], [0, 2])).toThrow(/isPositive\[1\] = 2/);
    expect(() => rocAucBinary([0.1, 0.2], [0])).toThrow(IotIdsError);
  });

  it('gives the expected area on 300k rows of two overlapping uniforms', () => {
    const random = new Random(42);
    const n = 300_000;
    const positive = new Uint8Array(n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      positive[i] = random.next() < 0.3 ? 1 : 0;
      scores[i] = random.next() + positive[i] * 0.5;
    }
    const auc = rocAucBinary(scores, positive);
    // Two overlapping uniforms shifted by 0.5: P(U + 0.5 > V) = 1 − 0.5²/2 = 0.875.
    expect(auc!).toBeCloseTo(0.875, 2);
  });
});

describe('rocCurve', () => {
  it('matches the roc_curve example of the scikit-learn documentation', () => {
    // y = [1, 1, 2, 2] with pos_label=2, scores = [0.1, 0.4, 0.35, 0.8]
    const curve = rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true]);
    expect(curve.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(curve.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(curve.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
  });

  it('keeps one point per distinct score (no intermediate points dropped)', () => {
    const curve = rocCurve([0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0]);
    expect(curve).toEqual({ fpr: [0, 1], tpr: [0, 1], thresholds: [Infinity, 0.3] });
    // Collinear points stay: scores 0.9, 0.8, 0.7 are all positives.
    const straight = rocCurve([0.9, 0.8, 0.7, 0.1], [1, 1, 1, 0]);
    expect(straight.tpr).toEqual([0, 1 / 3, 2 / 3, 1, 1]);
    expect(straight.fpr).toEqual([0, 0, 0, 0, 1]);
  });

  it('throws when one class is absent', () => {
    expect(() => rocCurve([0.1, 0.2], [1, 1])).toThrow(/needs both classes/);
  });
});

describe('rocAucOneVsRest', () => {
  // rows: class 0, 0, 1, 1, 2, 2; columns: score of class 0, 1, 2
  const scores = createMatrix(
    6,
    3,
    Float32Array.from([
      0.7, 0.2, 0.1, 0.4, 0.4, 0.2, 0.3, 0.5, 0.2, 0.4, 0.3, 0.3, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3,
    ]),
  );

  it('computes each class against the rest, worked by hand', () => {
    // class 0: positives {0.7, 0.4} vs {0.3, 0.4, 0.1, 0.2} → (4 + 3.5) / 8
    // class 1: positives {0.5, 0.3} vs {0.2, 0.4, 0.3, 0.5} → (3.5 + 1.5) / 8
    // class 2: positives {0.6, 0.3} vs {0.1, 0.2, 0.2, 0.3} → (4 + 3.5) / 8
    const result = rocAucOneVsRest(Int32Array.from([0, 0, 1, 1, 2, 2]), scores);
    expect(result.perClass).toEqual([0.9375, 0.625, 0.9375]);
    expect(result.macro).toBeCloseTo(2.5 / 3, 12);
  });

  it('gives null for a class absent from yTrue and averages over the classes present', () => {
    const firstFour = createMatrix(4, 3, scores.data.slice(0, 12));
    const result = rocAucOneVsRest([0, 0, 1, 1], firstFour);
    // class 0: {0.7, 0.4} vs {0.3, 0.4} → (2 + 1.5) / 4; class 1: {0.5, 0.3} vs {0.2, 0.4} → (2 + 1) / 4
    expect(result.perClass).toEqual([0.875, 0.75, null]);
    expect(result.macro).toBeCloseTo(0.8125, 12);
    expect(rocAucOneVsRest([1, 1], createMatrix(2, 2, Float32Array.from([0.2, 0.8, 0.4, 0.6])))).toEqual({
      perClass: [null, null],
      macro: null,
    });
  });

  it('rejects a label out of range and a row-count mismatch', () => {
    expect(() => rocAucOneVsRest([0, 3, 1, 1, 2, 2], scores)).toThrow(/yTrue\[1\] = 3/);
    expect(() => rocAucOneVsRest([0, 1], scores)).toThrow(/2 labels but the score matrix has 6 rows/);
  });
});

describe('downsampleCurve', () => {
  const staircase: RocCurve = {
    fpr: [0, 0, 0, 0, 0.5, 1],
    tpr: [0, 0.25, 0.5, 1, 1, 1],
    thresholds: [Infinity, 0.9, 0.8, 0.7, 0.4, 0.1],
  };

  it('drops collinear points first and keeps the corners', () => {
    expect(downsampleCurve(staircase, 3)).toEqual({
      fpr: [0, 0, 1],
      tpr: [0, 1, 1],
      thresholds: [Infinity, 0.7, 0.1],
    });
  });

  it('returns an unchanged copy when the curve is small enough', () => {
    const copy = downsampleCurve(staircase, 6);
    expect(copy).toEqual(staircase);
    expect(copy.fpr).not.toBe(staircase.fpr);
  });

  it('keeps endpoints, point triples and the area of a long curve', () => {
    const { scores, positive } = randomProblem(7, 20_000, 5_000);
    const curve = rocCurve(scores, positive);
    expect(curve.fpr.length).toBeGreaterThan(1_000);
    const small = downsampleCurve(curve, 60);
    expect(small.fpr.length).toBe(60);
    expect([small.fpr[0], small.tpr[0], small.thresholds[0]]).toEqual([0, 0, Infinity]);
    expect(small.fpr.at(-1)).toBe(1);
    expect(small.tpr.at(-1)).toBe(1);
    const original = new Map(curve.thresholds.map((t, i) => [t, [curve.fpr[i], curve.tpr[i]]]));
    small.thresholds.forEach((t, i) => expect(original.get(t)).toEqual([small.fpr[i], small.tpr[i]]));
    for (let i = 1; i < small.fpr.length; i++) {
      expect(small.fpr[i]).toBeGreaterThanOrEqual(small.fpr[i - 1]);
      expect(small.tpr[i]).toBeGreaterThanOrEqual(small.tpr[i - 1]);
    }
    expect(Math.abs(trapezoidArea(small.fpr, small.tpr) - trapezoidArea(curve.fpr, curve.tpr))).toBeLessThan(
      0.005,
    );
  });

  it('rejects fewer than two points and arrays of different lengths', () => {
    expect(() => downsampleCurve(staircase, 1)).toThrow(/maxPoints = 1/);
    expect(() => downsampleCurve({ fpr: [0, 1], tpr: [0], thresholds: [Infinity, 1] }, 2)).toThrow(
      IotIdsError,
    );
  });
});
