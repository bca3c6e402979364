import { describe, expect, it } from 'vitest';
import { ANOMALY_CLASS, combineWithClassifier, withAnomalyAlerts } from './combine.js';

describe('combineWithClassifier', () => {
  const predictions = [
    { label: 'normal', alert: false },
    { label: 'normal', alert: false },
    { label: 'dos', alert: true },
    { label: 'dos', alert: false },
  ];

  it('flags only records the classifier calls normal and the autoencoder finds anomalous', () => {
    expect(Array.from(combineWithClassifier(predictions, [1, 0, 1, 1]))).toEqual([1, 0, 0, 0]);
    expect(Array.from(combineWithClassifier(predictions, [true, true, false, false]))).toEqual([1, 1, 0, 0]);
  });

  it('uses the given normal class name', () => {
    const benign = [{ label: 'benign' }, { label: 'normal' }];
    expect(Array.from(combineWithClassifier(benign, [1, 1], 'benign'))).toEqual([1, 0]);
  });

  it('refuses verdicts of different lengths', () => {
    expect(() => combineWithClassifier(predictions, [1])).toThrow(/4 classifier predictions but 1/);
  });

  it('turns flagged records into anomaly alerts and keeps the others as they were', () => {
    const flags = combineWithClassifier(predictions, [1, 0, 1, 0]);
    const out = withAnomalyAlerts(predictions, flags, [0.9, 0.1, 0.8, 0.2]);
    expect(out[0]).toEqual({ label: ANOMALY_CLASS, alert: true, anomalyScore: 0.9 });
    expect(out[1]).toEqual({ label: 'normal', alert: false, anomalyScore: 0.1 });
    // An attack label keeps the classifier's own alert decision, even when the autoencoder agrees.
    expect(out[2]).toEqual({ label: 'dos', alert: true, anomalyScore: 0.8 });
    expect(out[3]).toEqual({ label: 'dos', alert: false, anomalyScore: 0.2 });
  });
});
