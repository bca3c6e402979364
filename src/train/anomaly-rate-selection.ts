import { accuracy, averaged, perClassStats } from '../evaluate/classification-metrics.js';
import { confusionMatrix } from '../evaluate/confusion.js';
import { IotIdsError, usageError } from '../errors.js';
import type { Matrix } from '../preprocess/matrix.js';
import { anomalousMask } from '../models/zero-day/anomaly-detector.js';
import { routeAnomalies } from '../models/zero-day/route-unknown.js';
import { thresholdAtFalsePositiveRate } from '../models/zero-day/threshold.js';

/** What a candidate anomaly rate is judged by: binary accuracy, or multi-class accuracy. */
export const RATE_CRITERIA = ['binary-accuracy', 'accuracy'] as const;
export type RateCriterion = (typeof RATE_CRITERIA)[number];

/** Figures of the classifier + anomaly alerts on one set of labelled rows, at one threshold. */
export interface CombinedFigures {
  /** Normal vs attack: attack when the classifier names an attack class or the autoencoder alerts. */
  binaryAccuracy: number;
  /** Share of normal rows flagged (classifier attack label or anomaly alert). */
  falseAlarmRate: number;
  /** Share of attack rows flagged. */
  attackRecall: number;
  /** Multi-class, with alerts on classifier-normal rows routed to the most probable attack class. */
  accuracy: number;
  macroF1: number;
  /** Per class, in the classes' order. */
  recall: number[];
}

/**
 * The classifier + anomaly detector figures on rows with true classes `yTrue` (indices into the classifier's
 * classes), classifier `scores` (rows × classes) and reconstruction `errors`, at `threshold` (`Infinity`:
 * the classifier alone).
 */
export function combinedFigures(input: {
  yTrue: Int32Array;
  scores: Matrix;
  errors: Float32Array;
  threshold: number;
  normalIndex: number;
}): CombinedFigures {
  const { yTrue, scores, errors, threshold, normalIndex } = input;
  if (yTrue.length !== scores.rows || errors.length !== scores.rows) {
    throw new IotIdsError(
      `${yTrue.length} labels, ${scores.rows} score rows and ${errors.length} reconstruction errors: they must match`,
    );
  }
  const predicted = combinedPredictions({ scores, errors, threshold, normalIndex });
  const stats = perClassStats(confusionMatrix(yTrue, predicted, scores.cols));
  return {
    ...binaryFigures(yTrue, predicted, normalIndex),
    accuracy: accuracy(yTrue, predicted),
    macroF1: averaged(stats, 'f1').macro,
    recall: stats.map((s) => s.recall),
  };
}

/** Normal vs attack figures of multi-class verdicts (an attack class named counts as flagged). */
export function binaryFigures(
  yTrue: Int32Array,
  predicted: Int32Array,
  normalIndex: number,
): { binaryAccuracy: number; falseAlarmRate: number; attackRecall: number } {
  let normal = 0;
  let flaggedNormal = 0;
  let flaggedAttack = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const flagged = predicted[i] !== normalIndex;
    if (yTrue[i] === normalIndex) {
      normal++;
      if (flagged) flaggedNormal++;
    } else if (flagged) {
      flaggedAttack++;
    }
  }
  const attack = yTrue.length - normal;
  const share = (part: number, whole: number): number => (whole === 0 ? Number.NaN : part / whole);
  return {
    binaryAccuracy: share(normal - flaggedNormal + flaggedAttack, yTrue.length),
    falseAlarmRate: share(flaggedNormal, normal),
    attackRecall: share(flaggedAttack, attack),
  };
}

/**
 * The multi-class verdicts of the classifier + anomaly alerts at `threshold`: the classifier's arg-max,
 * except that a row it calls normal while the autoencoder alerts gets its most probable attack class.
 */
export function combinedPredictions(input: {
  scores: Matrix;
  errors: Float32Array;
  threshold: number;
  normalIndex: number;
}): Int32Array {
  const { scores, errors, threshold, normalIndex } = input;
  return routeAnomalies(scores, anomalousMask(errors, threshold), normalIndex);
}

/** One candidate rate on the validation rows. */
export interface RateCandidate {
  /** Share of validation normal rows above the threshold (what the threshold was set for). */
  falsePositiveRate: number;
  threshold: number;
  figures: CombinedFigures;
}

/**
 * Refuses validation rows that cannot choose an anomaly threshold: without attack rows (a scheme that held
 * no attack type out) every rate but the lowest looks like pure cost, and without normal rows there is no
 * quantile to set the threshold at.
 */
export function checkSelectionRows(yTrue: Int32Array, normalIndex: number, what: string): void {
  let normal = 0;
  for (const y of yTrue) if (y === normalIndex) normal++;
  if (normal === 0) {
    throw usageError(`${what} has no normal rows: the anomaly threshold cannot be set on it`);
  }
  if (normal === yTrue.length) {
    throw usageError(
      `${what} has no attack rows (no attack type was held out): it cannot weigh false alarms against ` +
        'caught attacks, so the anomaly threshold cannot be chosen on it; use leave-attack-type-out ' +
        'validation on training data with two or more attack types per class',
    );
  }
}

/**
 * Validation attack rows whose raw label (attack type) never occurs among the fit rows — what the anomaly
 * threshold must be chosen on. Refuses validation rows with none: a scheme that held no attack type out
 * (a random split, or leave-attack-type-out falling back to random rows in every attack class) would
 * choose the threshold on attack types the classifier already knows.
 */
export function heldOutAttackRows(input: {
  fitLabels: readonly string[];
  validationLabels: readonly string[];
  validationY: Int32Array;
  normalIndex: number;
  what: string;
}): number {
  const seen = new Set(input.fitLabels);
  let held = 0;
  input.validationLabels.forEach((label, i) => {
    if (input.validationY[i] !== input.normalIndex && !seen.has(label)) held++;
  });
  if (held === 0) {
    throw usageError(
      `${input.what} hold out no attack type (every validation attack row is of a type the classifier ` +
        'trained on): the anomaly threshold cannot be chosen on them; use leave-attack-type-out ' +
        'validation on training data with two or more attack types per class',
    );
  }
  return held;
}

/**
 * Every candidate rate on the validation rows: the threshold is the (1 − rate) quantile of
 * `normalErrors` (the validation normal rows' reconstruction errors), and the figures are those of
 * `combinedFigures` on all validation rows.
 */
export function rateCandidates(input: {
  rates: readonly number[];
  normalErrors: Float32Array;
  yTrue: Int32Array;
  scores: Matrix;
  errors: Float32Array;
  normalIndex: number;
  what: string;
}): RateCandidate[] {
  checkSelectionRows(input.yTrue, input.normalIndex, input.what);
  if (input.rates.length === 0) throw usageError('no candidate anomaly rates to choose from');
  return input.rates.map((rate) => {
    const threshold = thresholdAtFalsePositiveRate(input.normalErrors, rate);
    return { falsePositiveRate: rate, threshold, figures: combinedFigures({ ...input, threshold }) };
  });
}

/**
 * The candidate with the highest `criterion`; a tie goes to the lower rate (fewer false alarms). NaN figures
 * never win.
 */
export function chooseRate(candidates: readonly RateCandidate[], criterion: RateCriterion): RateCandidate {
  return chooseHighest(
    candidates,
    (c) => (criterion === 'binary-accuracy' ? c.figures.binaryAccuracy : c.figures.accuracy),
    `no candidate anomaly rate has a ${criterion} figure to choose by`,
  );
}

/**
 * The candidate rate with the highest `value`; a tie goes to the lower rate (fewer false alarms on
 * validation normal rows). NaN never wins; `noneMessage` is the error when every value is NaN.
 */
export function chooseHighest<T extends { falsePositiveRate: number }>(
  candidates: readonly T[],
  value: (candidate: T) => number,
  noneMessage: string,
): T {
  let best: T | undefined;
  for (const c of candidates) {
    if (Number.isNaN(value(c))) continue;
    if (
      best === undefined ||
      value(c) > value(best) ||
      (value(c) === value(best) && c.falsePositiveRate < best.falsePositiveRate)
    ) {
      best = c;
    }
  }
  if (!best) throw new IotIdsError(noneMessage);
  return best;
}
