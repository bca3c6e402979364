/**
 * Prints the Markdown table docs/results.md quotes from a compare's results.json (mean ± sample std over
 * seeds), so every figure there comes from a file a command wrote.
 *
 *   node --import tsx bench/results-table.ts reports/sae-paper/results.json
 */
import { readResultsFile } from '../src/report/run-files.js';

const path = process.argv[2];
if (!path) throw new Error('usage: bench/results-table.ts <results.json>');
const results = await readResultsFile(path);
const pct = (s: { mean: number | null; std: number | null }): string =>
  s.mean === null ? 'n/a' : `${(s.mean * 100).toFixed(2)} ± ${((s.std ?? 0) * 100).toFixed(2)} %`;
const auc = (s: { mean: number | null; std: number | null }): string =>
  s.mean === null ? 'n/a' : `${s.mean.toFixed(4)} ± ${(s.std ?? 0).toFixed(4)}`;
const lines = [
  '| model | task | protocol | test split | seeds | accuracy | macro-F1 | ROC-AUC (macro) |',
  '|---|---|---|---|---|---|---|---|',
];
const cells = [...results.cells].sort((a, b) =>
  `${a.task}|${a.protocol}|${a.split}|${a.model}`.localeCompare(
    `${b.task}|${b.protocol}|${b.split}|${b.model}`,
  ),
);
for (const c of cells) {
  lines.push(
    `| ${c.model} | ${c.task} | ${c.protocol} | ${c.split} | ${c.n} | ${pct(c.metrics.accuracy)} | ${pct(c.metrics.f1Macro)} | ${auc(c.metrics.rocAucMacro)} |`,
  );
}
console.log(lines.join('\n'));
