/**
 * An alert threshold set from a target number of false alerts per hour of benign time, not from a share of
 * benign units: the store folds alerting units into one alert per source and window, so what an operator
 * counts is (source, window) pairs with at least one alerting unit. Over benign validation time that holds
 * no attack, a pair alerts exactly when its highest score is above the threshold; so the threshold that
 * lets through at most `allowed` = ⌊alertsPerHour × hours⌋ pairs is the (allowed + 1)-th highest of the
 * pairs' maxima (a unit alerts when its score is strictly above the threshold, as every detector here does).
 *
 * With a k-of-window rule (`minAlertingUnits` = k: a pair raises an alert only once k of its units are above
 * the threshold, so one odd packet does not page anyone) a pair alerts exactly when its k-th highest score
 * is above the threshold, and the same holds with the k-th highest in place of the highest.
 */

/** One benign unit of validation time: its score, its source and the capture time of its verdict. */
export interface ScoredUnit {
  score: number;
  source: string;
  at: number;
}

export interface AlertRateTarget {
  /** False alerts per hour allowed on the validation time (0: none at all). */
  alertsPerHour: number;
  /** Hours of validation time the units come from (the denominator). */
  hours: number;
  /** Width of the store's alert window, seconds (alerts are folded per source and window). */
  windowSeconds: number;
  /** Units above the threshold a (source, window) pair needs before it alerts. Default 1. */
  minAlertingUnits?: number;
}

export interface AlertRateThreshold {
  threshold: number;
  /** (source, window) pairs in the validation time, and how many of them alert at the threshold. */
  windows: number;
  alertingWindows: number;
  allowed: number;
}

/**
 * The k-th highest score of every (source, window) pair of `units` (k = 1: the highest), highest first; a
 * pair with fewer than k units can never alert and is left out.
 */
export function windowMaxima(units: Iterable<ScoredUnit>, windowSeconds: number, k = 1): number[] {
  if (!(windowSeconds > 0)) throw new RangeError(`windowSeconds must be positive, got ${windowSeconds}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a positive integer, got ${k}`);
  // The k highest scores of each pair so far, in descending order.
  const top = new Map<string, number[]>();
  for (const u of units) {
    if (Number.isNaN(u.score)) throw new RangeError(`a unit of ${u.source} at ${u.at} has a NaN score`);
    const key = `${u.source}\u0000${Math.floor(u.at / windowSeconds)}`;
    let kept = top.get(key);
    if (kept === undefined) top.set(key, (kept = []));
    if (kept.length === k && u.score <= kept[k - 1]) continue;
    let i = kept.length;
    while (i > 0 && kept[i - 1] < u.score) i--;
    kept.splice(i, 0, u.score);
    if (kept.length > k) kept.pop();
  }
  const maxima: number[] = [];
  for (const kept of top.values()) if (kept.length === k) maxima.push(kept[k - 1]);
  return maxima.sort((a, b) => b - a);
}

/**
 * The lowest threshold at which the validation units raise at most ⌊alertsPerHour × hours⌋ false alerts.
 * With a target of 0 (or too little time for one alert) it is the highest validation score: nothing seen
 * in validation alerts, and anything above it does.
 */
export function thresholdForAlertRate(
  units: Iterable<ScoredUnit>,
  target: AlertRateTarget,
): AlertRateThreshold {
  const { alertsPerHour, hours, windowSeconds } = target;
  if (!(alertsPerHour >= 0 && Number.isFinite(alertsPerHour)))
    throw new RangeError(`alertsPerHour must be finite and ≥ 0, got ${alertsPerHour}`);
  if (!(hours > 0 && Number.isFinite(hours))) throw new RangeError(`hours must be positive, got ${hours}`);
  const maxima = windowMaxima(units, windowSeconds, target.minAlertingUnits ?? 1);
  if (maxima.length === 0) throw new RangeError('no validation unit to set a threshold from');
  const allowed = Math.floor(alertsPerHour * hours + 1e-9);
  const threshold = maxima[Math.min(allowed, maxima.length - 1)];
  // Ties at the threshold do not alert (strictly above), so count what actually alerts.
  let alertingWindows = 0;
  while (alertingWindows < maxima.length && maxima[alertingWindows] > threshold) alertingWindows++;
  return { threshold, windows: maxima.length, alertingWindows, allowed };
}
