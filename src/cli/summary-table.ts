import type { MetricsFile } from '../evaluate/metrics-file.js';

/** A plain-text table of one run's headline figures per test split, for the terminal. */
export function formatSummaryTable(metrics: MetricsFile): string {
  const header = ['split', 'n', 'accuracy', 'macro-F1', 'weighted-F1', 'ROC-AUC', 'pred rows/s'];
  const rows = Object.entries(metrics.splits).map(([name, s]) => [
    name,
    String(s.n),
    pct(s.accuracy),
    pct(s.f1.macro),
    pct(s.f1.weighted),
    s.rocAuc.macro === null ? 'n/a' : s.rocAuc.macro.toFixed(4),
    Math.round(s.predictRowsPerSecond).toLocaleString('en-US'),
  ]);
  const recallHeader = ['recall per class', ...metrics.classes];
  const recallRows = Object.entries(metrics.splits).map(([name, s]) => [
    name,
    ...metrics.classes.map((c) => (s.perClass[c] ? pct(s.perClass[c].recall) : 'n/a')),
  ]);
  const title = `${metrics.model} · ${metrics.dataset} · ${metrics.task} · seed ${metrics.seed}\n${metrics.protocolDescription}`;
  return `${title}\n\n${table(header, rows)}\n\n${table(recallHeader, recallRows)}`;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

/** Columns padded to their widest cell: the first left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
