import { poissonUpperBound } from '../src/evaluate/poisson-bound.js';

/**
 * Adding up false alerts over several benign-only lab runs (`lab/run.ts --benign-only`, each scored by
 * `lab/evaluate-packets.ts`): the runs are independent networks, so their benign hours and their false
 * alerts (source × window, counted per run) add, and the rate's bound is the Poisson bound on the total.
 */

/** One detector on one benign-only run: what evaluation-packets.json says of its benign units. */
export interface SoakRunFigures {
  /** Hours of the scored span (after packet-ae's grace periods, the same span for every detector). */
  hours: number;
  /** Benign units scored (packets or connection records) and how many of them alerted. */
  units: number;
  alerting: number;
  /** False alerts: distinct (source, window) pairs among the alerting units. */
  falseAlerts: number;
  /** Alerting units per source address. */
  alertingBySource: Record<string, number>;
}

export interface SoakTotals {
  runs: number;
  hours: number;
  units: number;
  alerting: number;
  falseAlerts: number;
  falseAlertsPerHour: number;
  /** The one-sided 95 % Poisson upper bound on the false alerts per hour. */
  upperBoundPerHour: number;
  /** Whether that bound is below `goalPerHour`: the goal shown at 95 %. */
  goalShown: boolean;
  /** How many hours without a single false alert would show the goal: 3 / goal (the "rule of three"). */
  hoursNeededAtZero: number;
  alertingBySource: Record<string, number>;
}

export function soakTotals(runs: readonly SoakRunFigures[], goalPerHour = 1): SoakTotals {
  if (runs.length === 0) throw new RangeError('soakTotals: no run to add up');
  let hours = 0;
  let units = 0;
  let alerting = 0;
  let falseAlerts = 0;
  const bySource: Record<string, number> = {};
  for (const run of runs) {
    if (!(run.hours > 0)) throw new RangeError(`soakTotals: a run has ${run.hours} hours of span`);
    hours += run.hours;
    units += run.units;
    alerting += run.alerting;
    falseAlerts += run.falseAlerts;
    for (const [source, n] of Object.entries(run.alertingBySource))
      bySource[source] = (bySource[source] ?? 0) + n;
  }
  const upperBoundPerHour = poissonUpperBound(falseAlerts) / hours;
  return {
    runs: runs.length,
    hours,
    units,
    alerting,
    falseAlerts,
    falseAlertsPerHour: falseAlerts / hours,
    upperBoundPerHour,
    goalShown: upperBoundPerHour < goalPerHour,
    hoursNeededAtZero: poissonUpperBound(0) / goalPerHour,
    alertingBySource: bySource,
  };
}
