/**
 * Prints the validation figures of `train` runs laid out as `<dir>/<task>/<name>-s<seed>/metrics.json` (what
 * experiments/selection/round2.sh writes) as the Markdown table docs/results.md quotes: per candidate and
 * task, mean ± sample std over its seeds, and the change against the run named `baseline` of the same task
 * and seed. Only the metrics' "validation" block is read — rows held out of the training file — never a
 * test split.
 *
 *   node --import tsx bench/validation-runs.ts runs/round2
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricsFile } from '../src/evaluate/metrics-file.js';
import { meanStd } from '../src/train/evaluate-zero-day.js';

type Validation = NonNullable<MetricsFile['validation']>['metrics'];

const root = process.argv[2];
if (!root) throw new Error('usage: bench/validation-runs.ts <dir with <task>/<name>-s<seed>/metrics.json>');
const pct = (values: number[]): string => {
  const { mean, std } = meanStd(values.map((v) => v * 100));
  return `${mean.toFixed(2)} ± ${std.toFixed(2)} %`;
};
const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;

const lines = [
  '| candidate | task | seeds | validation accuracy | validation macro-F1 | against the baseline, same seeds (accuracy / macro-F1, points) | recall per class |',
  '|---|---|---|---|---|---|---|',
];
for (const task of (await readdir(root)).sort()) {
  const runs = new Map<string, Map<number, Validation>>();
  for (const entry of await readdir(join(root, task))) {
    const match = /^(.+)-s(\d+)$/.exec(entry);
    if (!match) continue;
    let metrics: MetricsFile;
    try {
      metrics = JSON.parse(await readFile(join(root, task, entry, 'metrics.json'), 'utf8')) as MetricsFile;
    } catch {
      continue; // unfinished run
    }
    if (!metrics.validation) throw new Error(`${entry}: no validation figures (run without --validation?)`);
    const bySeed = runs.get(match[1]) ?? new Map<number, Validation>();
    bySeed.set(Number(match[2]), metrics.validation.metrics);
    runs.set(match[1], bySeed);
  }
  const baseline = runs.get('baseline');
  const names = [...runs.keys()].sort((a, b) =>
    a === 'baseline' ? -1 : b === 'baseline' ? 1 : a.localeCompare(b),
  );
  for (const name of names) {
    const bySeed = runs.get(name) as Map<number, Validation>;
    const seeds = [...bySeed.keys()].sort((a, b) => a - b);
    const figures = seeds.map((s) => bySeed.get(s) as Validation);
    let change = '—';
    if (name !== 'baseline' && baseline && seeds.every((s) => baseline.has(s))) {
      const accuracy = seeds.map((s) => (bySeed.get(s)!.accuracy - baseline.get(s)!.accuracy) * 100);
      const f1 = seeds.map((s) => (bySeed.get(s)!.f1.macro - baseline.get(s)!.f1.macro) * 100);
      const up = accuracy.filter((d) => d > 0).length;
      change = `${signed(meanStd(accuracy).mean)} / ${signed(meanStd(f1).mean)} (accuracy up on ${up} of ${seeds.length})`;
    }
    const recall = Object.keys(figures[0].perClass)
      .map((c) => `${c} ${(meanStd(figures.map((f) => f.perClass[c].recall)).mean * 100).toFixed(1)} %`)
      .join(', ');
    lines.push(
      `| ${name} | ${task} | ${seeds.join(', ')} | ${pct(figures.map((f) => f.accuracy))} | ${pct(
        figures.map((f) => f.f1.macro),
      )} | ${change} | ${recall} |`,
    );
  }
}
console.log(lines.join('\n'));
