import type { SplitCleaning } from '../data/labelled-split.js';
import type { SplitMetrics } from './split-metrics.js';

/**
 * The `metrics.json` contract (camelCase) that reports and `compare` build on. Add fields; never rename.
 */
export interface MetricsFile {
  formatVersion: 1;
  dataset: string;
  task: string;
  protocol: string;
  /** Human description of the protocol, e.g. that random-split is the inflated one. */
  protocolDescription: string;
  model: string;
  modelOptions: Record<string, unknown>;
  seed: number;
  classes: string[];
  trainSplit: string;
  trainRows: number;
  /** Seconds spent fitting the pipeline and the model (not loading, not evaluating). null for `evaluate`. */
  trainSeconds: number | null;
  /** Cleaning report per file read (training file and every test split), plus what resampling did. */
  cleaning: {
    splits: Record<string, SplitCleaning>;
    resampling?: { smoteAdded?: Record<string, number>; undersampleRemoved?: Record<string, number> };
  };
  splits: Record<string, SplitMetrics>;
  createdAt: string;
  /**
   * What the reader must know before trusting the figures, in plain words: test rows repeated from training,
   * classes only in the test part, dropped classes, unknown labels. Absent in files from older versions.
   */
  warnings?: string[];
  /** `--dedup` mode of the run, when used. */
  dedup?: 'before-split' | 'train-only';
  /**
   * Figures on the validation rows held out of the training file (what model selection may look at; never
   * the test files), with the scheme that chose them. Absent when the run had no validation rows.
   */
  validation?: {
    scheme: string;
    detail: string;
    /** A class the scheme could not split as asked, and what was done instead. */
    fallback?: string;
    rows: number;
    metrics: SplitMetrics;
  };
  /** Heavy-tailed count columns went through log1p before min-max. */
  log1p?: boolean;
  /**
   * Present on the figures of a classifier combined with the zero-day autoencoder (compare's
   * `anomalyAlerts`): how the anomaly threshold was chosen, on validation rows only. `splits` then hold the
   * combined verdicts (ROC-AUC null: no single score stands behind them).
   */
  anomalyAlerts?: AnomalyAlertsRecord;
}

/** How a combined run's anomaly threshold was chosen (see MetricsFile.anomalyAlerts). */
export interface AnomalyAlertsRecord {
  /** The classifier's model kind (`fcnn`); the run's `model` is the combination's name. */
  classifier: string;
  /** compare's `anomalyAlerts.routes`: what routes an alert and what the anomaly score is (else nearest / error). */
  route?: { router: string; score: string };
  thresholdFrom: 'lato-validation';
  /** What the rate was chosen by: validation `binary-accuracy` or (multi-class) `accuracy`. */
  criterion: string;
  /** The chosen share of validation normal rows above the threshold. */
  chosenRate: number;
  /** The reconstruction error above which a row is anomalous. */
  threshold: number;
  /** Every candidate on the validation rows (held-out attack types + validation normal rows). */
  candidates: Array<{
    rate: number;
    threshold: number;
    binaryAccuracy: number;
    falseAlarmRate: number;
    attackRecall: number;
    accuracy: number;
    macroF1: number;
  }>;
  /** Validation attack rows of types the selection classifier never trained on. */
  validationHeldOutAttackRows: number;
  validationNormalRows: number;
  autoencoder: { trainRows: number; epochs: number; seconds: number };
  /** Run folders of the selection classifier (validation only; the autoencoder is in its model/zero-day) and of the final one. */
  selectionRun: string;
  finalRun: string;
  /** Share of each test split's normal rows flagged (classifier attack verdict or anomaly alert). */
  falseAlarmRate: Record<string, number>;
}

export function describeProtocol(
  protocol: string,
  trainSplit: string,
  tests: readonly string[],
  detail?: string,
): string {
  const where = detail ? ` (${detail})` : '';
  if (protocol === 'random-split') {
    return `random-split (INFLATED): stratified hold-out of ${trainSplit}${where}; train and test rows come from the same file and the same sessions, so scores are far higher than on data recorded later or elsewhere`;
  }
  if (protocol === 'time-split') {
    return `time-split: the earliest rows of ${trainSplit} train, the latest test${where}`;
  }
  if (protocol === 'group-split') {
    return `group-split: ${trainSplit} divided by group, no group on both sides${where}`;
  }
  return `official: train on ${trainSplit}, test on ${tests.join(', ')}`;
}
