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
  const main = table(header, rows);
  const combined = anomalyAlertsTable(cells);
  return combined ? `${main}\n\n${combined}` : main;
}

/**
 * The classifier + anomaly alerts cells again, with what their figures cost and how they were chosen: false
 * alarms on the split's normal rows and the anomaly rate each seed's validation chose. Undefined without
 * such cells.
 */
function anomalyAlertsTable(cells: readonly ResultsCell[]): string | undefined {
  const combined = cells.filter((c) => c.anomalyAlerts !== undefined);
  if (combined.length === 0) return undefined;
  const header = [
    'model',
    'dataset',
    'task',
    'split',
    'seeds',
    'accuracy',
    'false alarms',
    'rate chosen by',
    'rate per seed',
  ];
  const rows = combined.map((c) => {
    const alerts = c.anomalyAlerts as NonNullable<ResultsCell['anomalyAlerts']>;
    return [
      c.model,
      c.dataset,
      c.task,
      c.split,
      String(c.n),
      percent(c.metrics.accuracy),
      percent(alerts.falseAlarmRate),
      `validation ${alerts.criterion}`,
      `${alerts.chosenRates.map((r) => +(r * 100).toFixed(2)).join(', ')} %`,
    ];
  });
  return (
    'classifier + anomaly alerts, threshold chosen per seed on leave-attack-type-out validation ' +
    "(false alarms: share of the split's normal rows flagged)\n" +
    table(header, rows)
  );
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
