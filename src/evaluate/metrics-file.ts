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
}

export function describeProtocol(protocol: string, trainSplit: string, tests: readonly string[]): string {
  if (protocol === 'random-split') {
    return `random-split (INFLATED): stratified hold-out of ${trainSplit}; train and test rows come from the same file, so scores are far higher than on the official test sets`;
  }
  return `official: train on ${trainSplit}, test on ${tests.join(', ')}`;
}
