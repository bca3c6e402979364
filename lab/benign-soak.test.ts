import { describe, expect, it } from 'vitest';
import { soakTotals, type SoakRunFigures } from './benign-soak.js';

const run = (hours: number, falseAlerts: number, bySource: Record<string, number> = {}): SoakRunFigures => ({
  hours,
  units: 1000,
  alerting: Object.values(bySource).reduce((a, b) => a + b, 0),
  falseAlerts,
  alertingBySource: bySource,
});

describe('soakTotals', () => {
  it('adds hours and false alerts over runs and bounds the rate with the Poisson bound on the total', () => {
    const totals = soakTotals([run(0.5, 0), run(0.5, 0), run(0.5, 0), run(0.5, 0)]);
    expect(totals.hours).toBe(2);
    expect(totals.units).toBe(4000);
    expect(totals.falseAlerts).toBe(0);
    expect(totals.falseAlertsPerHour).toBe(0);
    // 0 alerts in 2 hours: 95 % bound 3.0 / 2 ≈ 1.5 per hour — not enough hours to show < 1.
    expect(totals.upperBoundPerHour).toBeCloseTo(2.9957 / 2, 3);
    expect(totals.goalShown).toBe(false);
    expect(totals.hoursNeededAtZero).toBeCloseTo(2.9957, 3);
  });

  it('shows the goal only when the bound, not the observed rate, is under it', () => {
    expect(soakTotals([run(3.5, 0)]).goalShown).toBe(true);
    // 1 alert in 3.5 hours: rate 0.29 per hour, but the bound 4.74 / 3.5 = 1.36 is above 1.
    const one = soakTotals([run(2, 1), run(1.5, 0)]);
    expect(one.falseAlertsPerHour).toBeCloseTo(1 / 3.5, 12);
    expect(one.upperBoundPerHour).toBeCloseTo(4.7439 / 3.5, 3);
    expect(one.goalShown).toBe(false);
    expect(soakTotals([run(3.5, 0)], 0.5).goalShown).toBe(false);
  });

  it('adds the alerting units per source across runs', () => {
    const totals = soakTotals([
      run(1, 2, { '127.0.0.10': 5, '127.0.0.26': 1 }),
      run(1, 1, { '127.0.0.10': 2 }),
    ]);
    expect(totals.alertingBySource).toEqual({ '127.0.0.10': 7, '127.0.0.26': 1 });
    expect(totals.alerting).toBe(8);
    expect(totals.falseAlerts).toBe(3);
  });

  it('refuses no run and a run without a span', () => {
    expect(() => soakTotals([])).toThrow(/no run/);
    expect(() => soakTotals([run(0, 0)])).toThrow(/0 hours/);
  });
});
