/**
 * Prints the validation figures of one or more compares (mean ± sample std over seeds) as the Markdown table
 * docs/results.md quotes for model selection: the rows held out of the training file by the run's
 * validation scheme (e.g. leave-attack-type-out), never a test file.
 *
 *   node --import tsx bench/validation-table.ts reports/lato-base/results.json [more results.json …]
 */
import { readResultsFile } from '../src/report/run-files.js';
import { meanStd } from '../src/train/evaluate-zero-day.js';

const paths = process.argv.slice(2);
if (paths.length === 0) throw new Error('usage: bench/validation-table.ts <results.json> [more …]');
const pct = (values: number[]): string => {
  const { mean, std } = meanStd(values.map((v) => v * 100));
  return `${mean.toFixed(2)} ± ${std.toFixed(2)} %`;
};
const lines = [
  '| experiment | model | task | validation | seeds | accuracy | macro-F1 | recall per class |',
  '|---|---|---|---|---|---|---|---|',
];
for (const path of paths) {
  const results = await readResultsFile(path);
  const groups = new Map<string, (typeof results.runs)[number][]>();
  for (const run of results.runs) {
    const key = `${run.model}|${run.task}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  for (const [key, runs] of [...groups].sort((a, b) => a[0].localeCompare(b[0]))) {
    const [model, task] = key.split('|');
    const validated = runs.flatMap((r) => (r.metrics.validation ? [r.metrics.validation] : []));
    if (validated.length === 0) continue;
    const classes = runs[0].metrics.classes;
    const recall = classes
      .map((c) => `${c} ${pct(validated.map((v) => v.metrics.perClass[c]?.recall ?? Number.NaN))}`)
      .join(', ');
    lines.push(
      `| ${results.name} | ${model} | ${task} | ${validated[0].scheme} | ${validated.length} | ${pct(
        validated.map((v) => v.metrics.accuracy),
      )} | ${pct(validated.map((v) => v.metrics.f1.macro))} | ${recall} |`,
    );
  }
}
console.log(lines.join('\n'));
