import { accuracy, averaged, perClassStats } from '../evaluate/classification-metrics.js';
import { confusionMatrix } from '../evaluate/confusion.js';
import { IotIdsError } from '../errors.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { chooseHighest } from './anomaly-rate-selection.js';

/**
 * Pieces of the 5-class "classifier + anomaly alerts" route that issue 17's second selection round weighs on
 * leave-attack-type-out validation: averaged classifiers, a router of anomalous rows other than the
 * classifier's own arg-max, an anomaly score that adds the classifier's doubt to the reconstruction error,
 * and a rate criterion that weighs accuracy and macro-F1 alike.
 */

/** Multi-class figures of one set of verdicts. */
export interface VerdictFigures {
  accuracy: number;
  macroF1: number;
  /** Per class, in the classes' order. */
  recall: number[];
  /** Share of normal rows given an attack class. */
  falseAlarmRate: number;
}

/** The weighted mean of several score matrices of the same shape (soft voting over members). */
export function averageScores(members: readonly Matrix[], weights?: readonly number[]): Matrix {
  if (members.length === 0) throw new IotIdsError('averaging scores needs at least one member');
  const w = weights ?? members.map(() => 1);
  if (w.length !== members.length) {
    throw new IotIdsError(`${members.length} score matrices but ${w.length} weights`);
  }
  const total = w.reduce((sum, v) => sum + v, 0);
  if (!(total > 0) || w.some((v) => !(v >= 0) || !Number.isFinite(v))) {
    throw new IotIdsError('member weights must be finite, ≥ 0 and not all 0');
  }
  const { rows, cols } = members[0];
  const out = createMatrix(rows, cols);
  members.forEach((m, index) => {
    if (m.rows !== rows || m.cols !== cols) {
      throw new IotIdsError(
        `member ${index} has ${m.rows} × ${m.cols} scores, member 0 ${rows} × ${cols}: they must match`,
      );
    }
    // A member whose training diverged gives NaN or Infinity: averaging it in would silently turn the vote
    // into another model's (or NaN for every row), so it is an error naming the member and the row.
    const bad = m.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new IotIdsError(
        `ensemble member ${index} failed to train: its score for row ${Math.floor(bad / cols)} is ` +
          `${m.data[bad]} (diverged?); no vote is taken without it`,
      );
    }
    const share = w[index] / total;
    for (let i = 0; i < m.data.length; i++) out.data[i] += share * m.data[i];
  });
  return out;
}

/** Accuracy, macro-F1, recall per class and the false-alarm rate of `predicted` against `yTrue`. */
export function verdictFigures(
  yTrue: Int32Array,
  predicted: Int32Array,
  nClasses: number,
  normalIndex: number,
): VerdictFigures {
  if (yTrue.length !== predicted.length) {
    throw new IotIdsError(`${yTrue.length} labels but ${predicted.length} verdicts`);
  }
  const stats = perClassStats(confusionMatrix(yTrue, predicted, nClasses));
  let normal = 0;
  let flagged = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== normalIndex) continue;
    normal++;
    if (predicted[i] !== normalIndex) flagged++;
  }
  return {
    accuracy: accuracy(yTrue, predicted),
    macroF1: averaged(stats, 'f1').macro,
    recall: stats.map((s) => s.recall),
    falseAlarmRate: normal === 0 ? Number.NaN : flagged / normal,
  };
}

/** Floor of a probability inside the logarithms below, so a sure classifier gives a finite score. */
const PROBABILITY_FLOOR = 1e-6;
/** Floor of a reconstruction error inside the logarithm (errors of exactly 0 occur on constant rows). */
const ERROR_FLOOR = 1e-12;

/** Mean and standard deviation of the log-error and the log-odds of "attack", fixed on normal rows. */
export interface DoubtScale {
  logErrorMean: number;
  logErrorStd: number;
  logOddsMean: number;
  logOddsStd: number;
}

function logOddsOfAttack(scores: Matrix, i: number, normalIndex: number): number {
  const p = Math.min(
    1 - PROBABILITY_FLOOR,
    Math.max(PROBABILITY_FLOOR, scores.data[i * scores.cols + normalIndex]),
  );
  return Math.log((1 - p) / p);
}

/** The scale of `doubtScores`, from normal rows neither model trained on. */
export function fitDoubtScale(errors: Float32Array, scores: Matrix, normalIndex: number): DoubtScale {
  if (errors.length !== scores.rows || errors.length < 2) {
    throw new IotIdsError(`${errors.length} errors and ${scores.rows} score rows: need ≥ 2 matching rows`);
  }
  const moments = (value: (i: number) => number): [number, number] => {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < errors.length; i++) {
      const v = value(i);
      sum += v;
      sq += v * v;
    }
    const mean = sum / errors.length;
    const std = Math.sqrt(Math.max(0, sq / errors.length - mean * mean));
    return [mean, std > 0 ? std : 1];
  };
  const [logErrorMean, logErrorStd] = moments((i) => Math.log(Math.max(ERROR_FLOOR, errors[i])));
  const [logOddsMean, logOddsStd] = moments((i) => logOddsOfAttack(scores, i, normalIndex));
  return { logErrorMean, logErrorStd, logOddsMean, logOddsStd };
}

/**
 * An anomaly score that adds the classifier's doubt to the autoencoder's: the standardised log
 * reconstruction error plus the standardised log-odds that the row is not normal (both standardised on
 * normal rows, so neither term dominates by its units). Its threshold is a quantile of the same score on
 * validation normal rows, as for the error alone.
 */
export function doubtScores(
  errors: Float32Array,
  scores: Matrix,
  normalIndex: number,
  scale: DoubtScale,
): Float32Array {
  if (errors.length !== scores.rows) {
    throw new IotIdsError(`${errors.length} errors but ${scores.rows} score rows`);
  }
  const out = new Float32Array(errors.length);
  for (let i = 0; i < errors.length; i++) {
    const e = (Math.log(Math.max(ERROR_FLOOR, errors[i])) - scale.logErrorMean) / scale.logErrorStd;
    const d = (logOddsOfAttack(scores, i, normalIndex) - scale.logOddsMean) / scale.logOddsStd;
    out[i] = e + d;
  }
  return out;
}

/** One candidate rate judged on validation rows. */
export interface JudgedRate {
  falsePositiveRate: number;
  figures: VerdictFigures;
}

/**
 * The rate criterion of this round, fixed before its first run: the sum of validation accuracy and
 * validation macro-F1 (the two figures the 5-class goal is stated in, weighted alike); a tie goes to the
 * lower rate. NaN never wins.
 */
export function chooseByAccuracyPlusF1<T extends JudgedRate>(candidates: readonly T[]): T {
  return chooseHighest(
    candidates,
    (c) => c.figures.accuracy + c.figures.macroF1,
    'no candidate rate has an accuracy and a macro-F1 to choose by',
  );
}
