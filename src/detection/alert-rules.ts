import { usageError } from '../errors.js';

/** Probability an attack class needs before its prediction raises an alert, unless configured otherwise. */
export const DEFAULT_ALERT_THRESHOLD = 0.5;

/**
 * When a prediction becomes an alert: the predicted (arg-max) class is an attack class and its probability
 * reaches that class's threshold. A low-confidence attack prediction is still reported as its label, just
 * without an alert; nothing is ever alerted for the normal class.
 */
export interface AlertRules {
  readonly classes: readonly string[];
  readonly normalClass: string;
  readonly normalIndex: number;
  /** Threshold per attack class, defaults filled in (the normal class is not listed). */
  readonly thresholds: Readonly<Record<string, number>>;
  /**
   * Per class index, the threshold rounded to float32, since probabilities are float32: a forest whose
   * trees vote 7 to 3 gives fround(0.7) = 0.69999998…, which must still meet a threshold of 0.7.
   * Infinity for the normal class.
   */
  readonly byIndex: Float64Array;
}

export function resolveAlertRules(
  classes: readonly string[],
  normalClass: string,
  thresholds: Readonly<Record<string, number>> = {},
): AlertRules {
  const normalIndex = classes.indexOf(normalClass);
  if (normalIndex === -1) {
    throw usageError(
      `normal class "${normalClass}" is not a class of the model; its classes are ${quoted(classes)}`,
    );
  }
  for (const [name, value] of Object.entries(thresholds)) {
    if (name === normalClass) {
      throw usageError(
        `threshold for "${name}": the normal class never raises alerts, so it takes no threshold`,
      );
    }
    if (!classes.includes(name)) {
      throw usageError(
        `threshold for unknown class "${name}"; the model's attack classes are ${quoted(attacks(classes, normalClass))}`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw usageError(`threshold for "${name}" must be a probability in [0, 1], got ${String(value)}`);
    }
  }
  const resolved: Record<string, number> = {};
  const byIndex = new Float64Array(classes.length);
  classes.forEach((name, c) => {
    if (c === normalIndex) {
      byIndex[c] = Number.POSITIVE_INFINITY;
      return;
    }
    const value = Object.hasOwn(thresholds, name) ? thresholds[name] : DEFAULT_ALERT_THRESHOLD;
    resolved[name] = value;
    byIndex[c] = Math.fround(value);
  });
  return { classes: [...classes], normalClass, normalIndex, thresholds: resolved, byIndex };
}

export function isAlert(rules: AlertRules, predicted: number, probability: number): boolean {
  return probability >= rules.byIndex[predicted];
}

function attacks(classes: readonly string[], normalClass: string): string[] {
  return classes.filter((c) => c !== normalClass);
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}
