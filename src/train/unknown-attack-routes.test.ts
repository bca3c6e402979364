import { describe, expect, it } from 'vitest';

import { createMatrix } from '../preprocess/matrix.js';
import {
  averageScores,
  chooseByAccuracyPlusF1,
  doubtScores,
  fitDoubtScale,
  verdictFigures,
} from './unknown-attack-routes.js';

const m = (rows: number[][]) => createMatrix(rows.length, rows[0].length, Float32Array.from(rows.flat()));

describe('averageScores', () => {
  it('takes the weighted mean of the members', () => {
    const avg = averageScores([m([[1, 0]]), m([[0, 1]])], [3, 1]);
    expect(Array.from(avg.data)).toEqual([0.75, 0.25]);
  });

  it('refuses members of different shapes and bad weights', () => {
    expect(() => averageScores([m([[1, 0]]), m([[1, 0, 0]])])).toThrow(/member 1 has 1 × 3/);
    expect(() => averageScores([m([[1, 0]])], [0])).toThrow(/not all 0/);
    expect(() => averageScores([])).toThrow(/at least one/);
  });

  it('refuses a member that diverged (a non-finite score), naming the member and the row', () => {
    const good = m([
      [0.9, 0.1],
      [0.2, 0.8],
    ]);
    const diverged = m([
      [0.5, 0.5],
      [NaN, NaN],
    ]);
    expect(() => averageScores([good, diverged])).toThrow(
      /member 1 failed to train: its score for row 1 is NaN/,
    );
  });
});

describe('verdictFigures', () => {
  it('counts accuracy, macro-F1, recall and false alarms', () => {
    const f = verdictFigures(Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 1, 1, 1]), 2, 0);
    expect(f.accuracy).toBe(0.75);
    expect(f.recall).toEqual([0.5, 1]);
    expect(f.falseAlarmRate).toBe(0.5);
    // F1: normal 2·1·0.5/1.5 = 2/3, attack 2·(2/3)·1/(5/3) = 0.8
    expect(f.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
  });
});

describe('doubtScores', () => {
  it('adds the standardised log error and log-odds of attack', () => {
    const errors = Float32Array.from([0.01, 0.1]);
    const scores = m([
      [0.9, 0.1],
      [0.5, 0.5],
    ]);
    const scale = fitDoubtScale(errors, scores, 0);
    const s = doubtScores(errors, scores, 0, scale);
    // Two rows: each term is ±1 after standardising, and the second row is higher on both.
    expect(s[0]).toBeCloseTo(-2, 5);
    expect(s[1]).toBeCloseTo(2, 5);
  });

  it('stays finite for a sure classifier and an error of 0', () => {
    const errors = Float32Array.from([0, 0.5, 0.2]);
    const scores = m([
      [1, 0],
      [0, 1],
      [0.5, 0.5],
    ]);
    const s = doubtScores(errors, scores, 0, fitDoubtScale(errors, scores, 0));
    expect(Array.from(s).every(Number.isFinite)).toBe(true);
  });
});

describe('chooseByAccuracyPlusF1', () => {
  const judged = (rate: number, accuracy: number, macroF1: number) => ({
    falsePositiveRate: rate,
    figures: { accuracy, macroF1, recall: [], falseAlarmRate: 0 },
  });

  it('takes the highest sum, the lower rate on a tie', () => {
    expect(chooseByAccuracyPlusF1([judged(0.01, 0.6, 0.3), judged(0.05, 0.58, 0.4)]).falsePositiveRate).toBe(
      0.05,
    );
    expect(chooseByAccuracyPlusF1([judged(0.05, 0.5, 0.5), judged(0.01, 0.6, 0.4)]).falsePositiveRate).toBe(
      0.01,
    );
  });

  it('never picks NaN, and refuses when nothing is left', () => {
    expect(
      chooseByAccuracyPlusF1([judged(0.01, Number.NaN, 0.9), judged(0.1, 0.1, 0.1)]).falsePositiveRate,
    ).toBe(0.1);
    expect(() => chooseByAccuracyPlusF1([judged(0.01, Number.NaN, 0.9)])).toThrow(/no candidate rate/);
  });
});
