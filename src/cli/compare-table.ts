import type { ResultsCell, Summary } from '../report/results-file.js';
import { table } from './summary-table.js';

/**
 * `compare`'s console summary: one row per grid cell and test split, each figure as mean ± std over the
 * cell's seeds (the report has the per-class figures and the 95 % intervals).
 */
export function formatCompareTable(cells: readonly ResultsCell[]): string {
  const header = [
    'model',
    'dataset',
    'task',
    'protocol',
    'split',
    'seeds',
    'accuracy',
    'macro-F1',
    'weighted-F1',
    'ROC-AUC',
    'train s',
  ];
  const rows = cells.map((c) => [
    c.model,
    c.dataset,
    c.task,
    c.protocol,
    c.split,
    String(c.n),
    percent(c.metrics.accuracy),
    percent(c.metrics.f1Macro),
    percent(c.metrics.f1Weighted),
    fixed(c.metrics.rocAucMacro, 4),
    fixed(c.metrics.trainSeconds, 1),
  ]);
  return table(header, rows);
}

/** `97.12 ± 0.31 %`; the ± part only with two or more seeds; `n/a` when no run defined the figure. */
function percent(s: Summary): string {
  if (s.mean === null) return 'n/a';
  return `${(s.mean * 100).toFixed(2)}${s.std === null ? '' : ` ± ${(s.std * 100).toFixed(2)}`} %`;
}

function fixed(s: Summary, digits: number): string {
  if (s.mean === null) return 'n/a';
  return `${s.mean.toFixed(digits)}${s.std === null ? '' : ` ± ${s.std.toFixed(digits)}`}`;
}
