/**
 * The validation table of docs/results.md "5-class route, second round", from the files
 * `bench/nsl5class-lato.ts --phase validate` wrote (validation rows only: no test figure is in them).
 *
 *   node --import tsx bench/nsl5class-table.ts --out runs/nsl5class --seeds 1,2 [--baseline fcnn1/nearest/error]
 *
 * Prints a markdown table: per candidate, mean ± sample std over the seeds of validation accuracy and
 * macro-F1 at the rates the criterion chose, the per-seed difference to the baseline (points), whether
 * both means rose, the chosen rates and the recall per class; then one JSON line.
 *
 * With `--final <candidate>` it tabulates the final phase's test figures of that candidate instead
 * (final-<candidate>-seed-s.json): per test file, the classifier alone and the route, mean ± std.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface Figures {
  accuracy: number;
  macroF1: number;
  recall: number[];
  falseAlarmRate: number;
}
interface SeedFile {
  seed: number;
  classes: string[];
  classifierAlone: Record<string, Figures>;
  candidates: { candidate: string; chosenRate: number; chosen: Figures }[];
}

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'runs/nsl5class' },
    seeds: { type: 'string', default: '1,2' },
    baseline: { type: 'string', default: 'fcnn1/nearest/error' },
    final: { type: 'string' },
  },
});
const seeds = args.seeds.split(',').map(Number);
if (args.final) {
  await finalTable(args.final);
  process.exit(0);
}
const files: SeedFile[] = await Promise.all(
  seeds.map(
    async (s) => JSON.parse(await readFile(join(args.out, `validate-seed-${s}.json`), 'utf8')) as SeedFile,
  ),
);
const classes = files[0].classes;
function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
function std(v: number[]): number {
  return v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));
}
const pct = (v: number[]) => `${(100 * mean(v)).toFixed(2)} ± ${(100 * std(v)).toFixed(2)} %`;
const pick = (f: SeedFile, name: string) => {
  const c = f.candidates.find((x) => x.candidate === name);
  if (!c) throw new Error(`seed ${f.seed} has no candidate ${name}`);
  return c;
};

const names = files[0].candidates.map((c) => c.candidate);
const rows = names.map((name) => {
  const picked = files.map((f) => pick(f, name));
  const base = files.map((f) => pick(f, args.baseline));
  const acc = picked.map((c) => c.chosen.accuracy);
  const f1 = picked.map((c) => c.chosen.macroF1);
  const dAcc = mean(acc) - mean(base.map((c) => c.chosen.accuracy));
  const dF1 = mean(f1) - mean(base.map((c) => c.chosen.macroF1));
  return {
    candidate: name,
    accuracy: mean(acc),
    accuracyStd: std(acc),
    macroF1: mean(f1),
    macroF1Std: std(f1),
    sum: mean(acc) + mean(f1),
    deltaAccuracy: dAcc,
    deltaMacroF1: dF1,
    bothUp: name !== args.baseline && dAcc > 0 && dF1 > 0,
    rates: picked.map((c) => c.chosenRate),
    recall: classes.map((_, k) => mean(picked.map((c) => c.chosen.recall[k]))),
    falseAlarmRate: mean(picked.map((c) => c.chosen.falseAlarmRate)),
  };
});

console.log(
  `| candidate | seeds | chosen rates | validation accuracy | validation macro-F1 | against ${args.baseline} (accuracy / macro-F1, points) | both up | validation false alarms | recall ${classes.join(' / ')} |`,
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.candidate} | ${seeds.join(', ')} | ${r.rates.map((x) => `${Math.round(x * 100)} %`).join(', ')} | ` +
      `${(100 * r.accuracy).toFixed(2)} ± ${(100 * r.accuracyStd).toFixed(2)} % | ${(100 * r.macroF1).toFixed(2)} ± ${(100 * r.macroF1Std).toFixed(2)} % | ` +
      `${r.candidate === args.baseline ? '—' : `${(100 * r.deltaAccuracy).toFixed(2)} / ${(100 * r.deltaMacroF1).toFixed(2)}`} | ` +
      `${r.candidate === args.baseline ? '—' : r.bothUp ? 'yes' : 'no'} | ${(100 * r.falseAlarmRate).toFixed(2)} % | ` +
      `${r.recall.map((v) => (100 * v).toFixed(1)).join(' / ')} % |`,
  );
}
console.log('\nclassifier alone (no anomaly alerts), same validation rows:');
for (const name of Object.keys(files[0].classifierAlone)) {
  const alone = files.map((f) => f.classifierAlone[name]);
  console.log(
    `  ${name}: accuracy ${pct(alone.map((a) => a.accuracy))}, macro-F1 ${pct(alone.map((a) => a.macroF1))}`,
  );
}
const passing = rows.filter((r) => r.bothUp).sort((a, b) => b.sum - a.sum);
console.log(
  JSON.stringify({
    bench: 'nsl5class-table',
    seeds,
    baseline: args.baseline,
    passing: passing.map((r) => r.candidate),
    best: passing[0]?.candidate ?? null,
  }),
);

interface FinalFile {
  seed: number;
  rate: number;
  figures: { split: string; rows: number; classifierAlone: Figures; route: Figures }[];
}

async function finalTable(candidate: string): Promise<void> {
  const runs: FinalFile[] = await Promise.all(
    seeds.map(
      async (s) =>
        JSON.parse(
          await readFile(join(args.out, `final-${candidate.replaceAll('/', '_')}-seed-${s}.json`), 'utf8'),
        ) as FinalFile,
    ),
  );
  const classes = ['normal', 'dos', 'probe', 'r2l', 'u2r'];
  const line = (values: number[]) =>
    `${(100 * mean(values)).toFixed(2)} ± ${(100 * std(values)).toFixed(2)} % (${values.map((v) => (100 * v).toFixed(2)).join(', ')})`;
  const summary: Record<string, unknown> = {
    bench: 'nsl5class-final',
    candidate,
    seeds,
    rates: runs.map((r) => r.rate),
  };
  for (const [t, figure] of runs[0].figures.entries()) {
    console.log(
      `\n| ${figure.split} (${figure.rows} rows), seeds ${seeds.join(', ')} | classifier alone | ${candidate} |`,
    );
    console.log('|---|---|---|');
    const of = (pickFigure: (f: Figures) => number) => [
      runs.map((r) => pickFigure(r.figures[t].classifierAlone)),
      runs.map((r) => pickFigure(r.figures[t].route)),
    ];
    const rows: [string, (f: Figures) => number][] = [
      ['5class accuracy', (f) => f.accuracy],
      ['5class macro-F1', (f) => f.macroF1],
      ['false alarms (normal rows given an attack class)', (f) => f.falseAlarmRate],
      ...classes.map((c, k): [string, (f: Figures) => number] => [`recall ${c}`, (f) => f.recall[k]]),
    ];
    for (const [name, pickFigure] of rows) {
      const [alone, route] = of(pickFigure);
      console.log(`| ${name} | ${line(alone)} | ${line(route)} |`);
    }
    const [, acc] = of((f) => f.accuracy);
    const [, f1] = of((f) => f.macroF1);
    summary[figure.split] = {
      accuracy: mean(acc),
      accuracyStd: std(acc),
      macroF1: mean(f1),
      macroF1Std: std(f1),
    };
  }
  console.log(JSON.stringify(summary));
}
