import { describe, expect, it } from 'vitest';
import { createMatrix } from '../preprocess/matrix.js';
import {
  checkSelectionRows,
  chooseRate,
  combinedFigures,
  heldOutAttackRows,
  rateCandidates,
  type RateCandidate,
} from './anomaly-rate-selection.js';

// Classes: normal (0), dos (1), probe (2). Six rows: 3 normal, 2 dos, 1 probe.
const yTrue = Int32Array.from([0, 0, 0, 1, 1, 2]);
const scores = createMatrix(
  6,
  3,
  Float32Array.from([
    0.9,
    0.05,
    0.05, // normal, called normal
    0.8,
    0.1,
    0.1, // normal, called normal, anomalous at 0.5
    0.2,
    0.7,
    0.1, // normal, called dos (a false alarm of the classifier)
    0.6,
    0.3,
    0.1, // dos, called normal, anomalous: routed to dos
    0.6,
    0.1,
    0.3, // dos, called normal, anomalous: routed to probe (wrong class, still an attack)
    0.1,
    0.1,
    0.8, // probe, called probe
  ]),
);
const errors = Float32Array.from([0.1, 0.6, 0.2, 0.9, 0.7, 0.1]);

describe('combinedFigures', () => {
  it('counts binary and multi-class figures with anomalies routed to the nearest attack class', () => {
    const f = combinedFigures({ yTrue, scores, errors, threshold: 0.5, normalIndex: 0 });
    // Flagged: rows 1 (alert), 2 (classifier), 3, 4 (alerts), 5 (classifier).
    expect(f.falseAlarmRate).toBe(2 / 3);
    expect(f.attackRecall).toBe(1);
    expect(f.binaryAccuracy).toBe(4 / 6);
    // Predicted classes [0, 1, 1, 1, 2, 2]: rows 0, 3, 5 right.
    expect(f.accuracy).toBe(3 / 6);
    expect(f.recall).toEqual([1 / 3, 1 / 2, 1]);
    // F1: normal 2·1/(2+0+2) = 0.5, dos 2·1/(2+2+1) = 0.4, probe 2·1/(2+1+0) = 2/3.
    expect(f.macroF1).toBeCloseTo((0.5 + 0.4 + 2 / 3) / 3, 12);
  });

  it('is the classifier alone at an infinite threshold', () => {
    const f = combinedFigures({ yTrue, scores, errors, threshold: Infinity, normalIndex: 0 });
    expect(f.falseAlarmRate).toBe(1 / 3);
    expect(f.attackRecall).toBe(1 / 3);
    expect(f.accuracy).toBe(3 / 6);
  });

  it('refuses inputs of different lengths', () => {
    expect(() =>
      combinedFigures({ yTrue, scores, errors: errors.slice(1), threshold: 1, normalIndex: 0 }),
    ).toThrow(/6 labels, 6 score rows and 5 reconstruction errors/);
  });
});

describe('rateCandidates and chooseRate', () => {
  const normalErrors = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);

  it('sets each threshold at the rate quantile of the validation normal errors', () => {
    const candidates = rateCandidates({
      rates: [0.1, 0.5],
      normalErrors,
      yTrue,
      scores,
      errors,
      normalIndex: 0,
      what: 'the fixture',
    });
    // At most 1 of 10 (resp. 5 of 10) normal errors strictly above the threshold.
    expect(candidates.map((c) => c.threshold)).toEqual([Math.fround(0.9), Math.fround(0.5)]);
    expect(candidates[0].figures.attackRecall).toBe(1 / 3);
    expect(candidates[1].figures.attackRecall).toBe(1);
  });

  const candidate = (rate: number, binaryAccuracy: number, accuracy: number): RateCandidate => ({
    falsePositiveRate: rate,
    threshold: 1 - rate,
    figures: { binaryAccuracy, accuracy, falseAlarmRate: rate, attackRecall: 0, macroF1: 0, recall: [] },
  });

  it('takes the best candidate by the criterion, a tie going to the lower rate', () => {
    const candidates = [candidate(0.05, 0.9, 0.6), candidate(0.01, 0.8, 0.7), candidate(0.02, 0.9, 0.5)];
    expect(chooseRate(candidates, 'binary-accuracy').falsePositiveRate).toBe(0.02);
    expect(chooseRate(candidates, 'accuracy').falsePositiveRate).toBe(0.01);
  });

  it('never chooses a NaN figure, and refuses when nothing is left', () => {
    expect(
      chooseRate([candidate(0.01, Number.NaN, 0), candidate(0.1, 0.5, 0)], 'binary-accuracy')
        .falsePositiveRate,
    ).toBe(0.1);
    expect(() => chooseRate([candidate(0.01, Number.NaN, 0)], 'binary-accuracy')).toThrow(/no candidate/);
  });
});

describe('validation rows that cannot choose a threshold', () => {
  it('refuses rows without attack rows or without normal rows', () => {
    expect(() => checkSelectionRows(Int32Array.from([0, 0]), 0, 'the rows')).toThrow(
      /the rows has no attack rows \(no attack type was held out\)/,
    );
    expect(() => checkSelectionRows(Int32Array.from([1, 2]), 0, 'the rows')).toThrow(/has no normal rows/);
    expect(() =>
      rateCandidates({
        rates: [0.01],
        normalErrors: Float32Array.from([1]),
        yTrue: Int32Array.from([0, 0, 0, 0, 0, 0]),
        scores,
        errors,
        normalIndex: 0,
        what: 'random validation',
      }),
    ).toThrow(/random validation has no attack rows/);
  });

  it('counts validation attack rows of types absent from the fit rows, and refuses none', () => {
    const validationY = Int32Array.from([0, 1, 1, 2]);
    expect(
      heldOutAttackRows({
        fitLabels: ['normal', 'neptune', 'satan'],
        validationLabels: ['normal', 'smurf', 'neptune', 'nmap'],
        validationY,
        normalIndex: 0,
        what: 'seed 1',
      }),
    ).toBe(2);
    expect(() =>
      heldOutAttackRows({
        fitLabels: ['normal', 'neptune', 'satan', 'smurf', 'nmap'],
        validationLabels: ['normal', 'smurf', 'neptune', 'nmap'],
        validationY,
        normalIndex: 0,
        what: 'random validation rows',
      }),
    ).toThrow(/random validation rows hold out no attack type/);
  });
});
