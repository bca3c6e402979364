import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { buildResultsFile, summarise, summariseRuns, type ResultsRun } from './results-file.js';
import { syntheticResultsRuns } from './synthetic-runs.js';

describe('summarise', () => {
  it('gives mean, sample standard deviation and a Student-t 95 % interval', () => {
    const s = summarise([0.9, 0.92, 0.94]);
    expect(s.n).toBe(3);
    expect(s.mean).toBeCloseTo(0.92, 12);
    expect(s.std).toBeCloseTo(0.02, 12); // sqrt((0.02² + 0 + 0.02²) / 2)
    const half = (4.302652729911275 * 0.02) / Math.sqrt(3);
    expect(s.ci95!.low).toBeCloseTo(0.92 - half, 9);
    expect(s.ci95!.high).toBeCloseTo(0.92 + half, 9);
  });

  it('leaves out undefined values and has no spread for one value', () => {
    expect(summarise([0.5, null, undefined, Number.NaN])).toEqual({ n: 1, mean: 0.5, std: null, ci95: null });
    expect(summarise([])).toEqual({ n: 0, mean: null, std: null, ci95: null });
  });
});

describe('summariseRuns', () => {
  const runs = syntheticResultsRuns(['rf', 'fcnn'], [1, 2, 3], {
    splits: { 'KDDTest+': [300, 200, 20], 'KDDTest-21': [100, 100, 10] },
  });

  it('makes one cell per model and split, in first-seen order, over every seed', () => {
    const cells = summariseRuns(runs);
    expect(cells.map((c) => `${c.model}/${c.split}`)).toEqual([
      'rf/KDDTest+',
      'rf/KDDTest-21',
      'fcnn/KDDTest+',
      'fcnn/KDDTest-21',
    ]);
    for (const cell of cells) {
      expect(cell.n).toBe(3);
      expect(cell.seeds).toEqual([1, 2, 3]);
      expect(cell.classes).toEqual(['normal', 'ddos', 'u2r']);
    }
  });

  it('summarises exactly the figures of the runs', () => {
    const [cell] = summariseRuns(runs);
    const accuracies = runs.filter((r) => r.model === 'rf').map((r) => r.metrics.splits['KDDTest+'].accuracy);
    expect(cell.metrics.accuracy).toEqual(summarise(accuracies));
    const u2rRecall = runs
      .filter((r) => r.model === 'rf')
      .map((r) => r.metrics.splits['KDDTest+'].perClass.u2r.recall);
    expect(cell.perClass.u2r.recall).toEqual(summarise(u2rRecall));
    // One-vs-rest accuracy from the confusion matrix: (TP + TN) / N.
    const m = runs[0].metrics.splits['KDDTest+'].confusion.matrix;
    const n = m.flat().reduce((a, b) => a + b, 0);
    const tn = n - m[2].reduce((a, b) => a + b, 0) - m.reduce((a, row) => a + row[2], 0) + m[2][2];
    expect(summariseRuns([runs[0]])[0].perClass.u2r.accuracy.mean).toBeCloseTo((m[2][2] + tn) / n, 12);
  });

  it('counts a per-class AUC only where the class had rows', () => {
    const absent = syntheticResultsRuns(['rf'], [1, 2], { splits: { corrected: [50, 50, 0] } });
    const [cell] = summariseRuns(absent);
    expect(cell.perClass.u2r.rocAuc).toEqual({ n: 0, mean: null, std: null, ci95: null });
    expect(cell.perClass.ddos.rocAuc.n).toBe(2);
  });

  it('refuses the same seed twice in one cell, naming both runs', () => {
    const twice: ResultsRun[] = [runs[0], { ...runs[0], id: 'rf-again' }];
    expect(() => summariseRuns(twice)).toThrow(IotIdsError);
    expect(() => summariseRuns(twice)).toThrow(/rf-seed1.*rf-again/);
  });

  it('builds a results file whose cells come from its runs', () => {
    const file = buildResultsFile('demo', runs);
    expect(file.formatVersion).toBe(1);
    expect(file.runs).toHaveLength(6);
    expect(file.cells).toEqual(summariseRuns(runs));
    expect(JSON.parse(JSON.stringify(file))).toEqual(file);
  });

  it('gives a classifier + anomaly alerts cell its chosen rates and false alarms, and refuses mixed criteria', () => {
    const record = (rate: number, falseAlarm: number, criterion = 'accuracy') => ({
      classifier: 'fcnn',
      thresholdFrom: 'lato-validation' as const,
      criterion,
      chosenRate: rate,
      threshold: 0.5,
      candidates: [],
      validationHeldOutAttackRows: 10,
      validationNormalRows: 10,
      autoencoder: { trainRows: 1, epochs: 1, seconds: 1 },
      selectionRun: 'runs/x/selection',
      finalRun: 'runs/y',
      falseAlarmRate: { 'KDDTest+': falseAlarm, 'KDDTest-21': falseAlarm * 2 },
    });
    const combined = syntheticResultsRuns(['fcnn+anomaly-alerts'], [1, 2], {
      splits: { 'KDDTest+': [300, 200, 20], 'KDDTest-21': [100, 100, 10] },
    });
    combined[0].metrics.anomalyAlerts = record(0.01, 0.08);
    combined[1].metrics.anomalyAlerts = record(0.02, 0.1);
    const [test, test21] = summariseRuns(combined);
    expect(test.anomalyAlerts?.chosenRates).toEqual([0.01, 0.02]);
    expect(test.anomalyAlerts?.criterion).toBe('accuracy');
    expect(test.anomalyAlerts?.falseAlarmRate.mean).toBeCloseTo(0.09, 12);
    expect(test21.anomalyAlerts?.falseAlarmRate.mean).toBeCloseTo(0.18, 12);
    expect(summariseRuns(runs)[0].anomalyAlerts).toBeUndefined();

    combined[1].metrics.anomalyAlerts = record(0.02, 0.1, 'binary-accuracy');
    expect(() => summariseRuns(combined)).toThrow(/mix anomaly-alert criteria \(accuracy, binary-accuracy\)/);
    combined[1].metrics.anomalyAlerts = undefined;
    expect(() => summariseRuns(combined)).toThrow(/mix anomaly-alert criteria \(accuracy, none\)/);
  });
});
