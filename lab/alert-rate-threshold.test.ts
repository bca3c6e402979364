import { describe, expect, it } from 'vitest';
import { thresholdForAlertRate, windowMaxima, type ScoredUnit } from './alert-rate-threshold.js';

const unit = (source: string, at: number, score: number): ScoredUnit => ({ source, at, score });

describe('windowMaxima', () => {
  it('keeps the highest score of each source and window, highest first', () => {
    const units = [unit('a', 0, 1), unit('a', 59, 5), unit('a', 60, 2), unit('b', 10, 3), unit('b', 20, 4)];
    expect(windowMaxima(units, 60)).toEqual([5, 4, 2]);
  });

  it('with k = 2 keeps the second highest, leaving out pairs of one unit', () => {
    const units = [
      unit('a', 0, 1),
      unit('a', 1, 5),
      unit('a', 2, 3),
      unit('b', 0, 9),
      unit('c', 0, 4),
      unit('c', 1, 4),
    ];
    expect(windowMaxima(units, 60, 2)).toEqual([4, 3]);
  });

  it('rejects NaN scores and a non-positive window', () => {
    expect(() => windowMaxima([unit('a', 0, Number.NaN)], 60)).toThrow(/NaN/);
    expect(() => windowMaxima([], 0)).toThrow(/windowSeconds/);
  });
});

describe('thresholdForAlertRate', () => {
  // Six (source, window) pairs with maxima 9, 8, 7, 6, 5, 4 over two hours.
  const units = [
    unit('a', 0, 9),
    unit('a', 10, 1),
    unit('a', 70, 8),
    unit('b', 0, 7),
    unit('b', 130, 6),
    unit('c', 0, 5),
    unit('c', 200, 4),
    unit('c', 201, 3),
  ];

  it('with a target of 0 is the highest score: nothing in validation alerts', () => {
    const t = thresholdForAlertRate(units, { alertsPerHour: 0, hours: 2, windowSeconds: 60 });
    expect(t).toEqual({ threshold: 9, windows: 6, alertingWindows: 0, allowed: 0 });
  });

  it('lets through ⌊rate × hours⌋ windows', () => {
    const t = thresholdForAlertRate(units, { alertsPerHour: 1.5, hours: 2, windowSeconds: 60 });
    // 3 allowed: 9, 8 and 7 alert, 6 is the threshold.
    expect(t).toEqual({ threshold: 6, windows: 6, alertingWindows: 3, allowed: 3 });
    const scores = units.filter((u) => u.score > t.threshold);
    expect(windowMaxima(scores, 60)).toHaveLength(3);
  });

  it('counts ties at the threshold as not alerting', () => {
    const tied = [unit('a', 0, 5), unit('b', 0, 5), unit('c', 0, 5)];
    const t = thresholdForAlertRate(tied, { alertsPerHour: 1, hours: 1, windowSeconds: 60 });
    expect(t.threshold).toBe(5);
    expect(t.alertingWindows).toBe(0);
  });

  it('with more allowed than windows is the lowest maximum', () => {
    const t = thresholdForAlertRate(units, { alertsPerHour: 100, hours: 2, windowSeconds: 60 });
    expect(t.threshold).toBe(4);
    expect(t.alertingWindows).toBe(5);
  });

  it('with a k-of-window rule lets through pairs whose k-th score is above it', () => {
    // One window of 1000 s: pair a has 9, 1, 8 (second highest 8), b 7, 6 (6), c 5, 4, 3 (4).
    const target = { hours: 1, windowSeconds: 1000, minAlertingUnits: 2 };
    expect(thresholdForAlertRate(units, { ...target, alertsPerHour: 0 })).toEqual({
      threshold: 8,
      windows: 3,
      alertingWindows: 0,
      allowed: 0,
    });
    expect(thresholdForAlertRate(units, { ...target, alertsPerHour: 1 }).threshold).toBe(6);
  });

  it('rejects a bad target or no units', () => {
    expect(() => thresholdForAlertRate(units, { alertsPerHour: -1, hours: 1, windowSeconds: 60 })).toThrow();
    expect(() => thresholdForAlertRate(units, { alertsPerHour: 1, hours: 0, windowSeconds: 60 })).toThrow();
    expect(() => thresholdForAlertRate([], { alertsPerHour: 1, hours: 1, windowSeconds: 60 })).toThrow(
      /no validation unit/,
    );
  });
});
