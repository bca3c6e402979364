import { DATASETS } from '../data/registry.js';
import { IotIdsError } from '../errors.js';
import type { SplitMetrics } from '../evaluate/split-metrics.js';
import type { ModelScores } from './charts/metric-bars-chart.js';
import type { ResultsCell } from './results-file.js';

/** The five headline figures of one evaluated split. */
export function scoresFromSplit(model: string, split: SplitMetrics): ModelScores {
  return {
    model,
    scores: {
      accuracy: { mean: split.accuracy },
      precision: { mean: split.precision.macro },
      recall: { mean: split.recall.macro },
      f1: { mean: split.f1.macro },
      rocAuc: { mean: split.rocAuc.macro },
    },
  };
}

/** The five headline figures of a cell: mean and sample std over its seeds. */
export function scoresFromCell(cell: ResultsCell): ModelScores {
  const pick = (key: keyof ResultsCell['metrics']) => ({
    mean: cell.metrics[key].mean,
    std: cell.metrics[key].std,
  });
  return {
    model: cell.model,
    scores: {
      accuracy: pick('accuracy'),
      precision: pick('precisionMacro'),
      recall: pick('recallMacro'),
      f1: pick('f1Macro'),
      rocAuc: pick('rocAucMacro'),
    },
  };
}

/** Test splits the official protocol of a built-in dataset evaluates; empty for other datasets and protocols. */
export function expectedTestSplits(dataset: string, protocol: string): readonly string[] {
  if (protocol !== 'official' || !Object.hasOwn(DATASETS, dataset)) return [];
  return DATASETS[dataset as keyof typeof DATASETS].official.tests;
}

/** Element-wise sum of confusion matrices of the same labels (pooling seeds). */
export function sumMatrices(matrices: readonly (readonly (readonly number[])[])[]): number[][] {
  const first = matrices[0];
  if (!first) throw new IotIdsError('no confusion matrix with these classes to add up');
  return first.map((row, t) => row.map((_, p) => matrices.reduce((sum, m) => sum + (m[t]?.[p] ?? 0), 0)));
}

/** `record[key]` if it is the record's own entry (a split named "constructor" is not a prototype member). */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
