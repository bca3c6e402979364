/**
 * Issue #17, KDD Cup 99: model selection on validation rows of the 10 % file only. Each run trains on the
 * de-duplicated 10 % file minus its validation rows (`--validation`, default leave-attack-type-out) and is
 * scored on those rows alone (`skipTests`: `corrected` is never read). Runs land in
 * `<out>/<task>/<name>-s<seed>/metrics.json` (the layout bench/validation-runs.ts reads); a finished run is
 * skipped, so the command resumes.
 *
 *   node --import tsx bench/kdd99-selection.ts --name defaults --task ddos-u2r-normal --seeds 1,2,3 \
 *     --model vae-bigru --options '{"vae":{"epochs":30}}' [--log1p] [--out runs/kdd99-selection]
 *   node --import tsx bench/kdd99-selection.ts --table runs/kdd99-selection   # the Markdown table
 *   node --import tsx bench/kdd99-selection.ts --test-table reports/x   # per-seed test figures of a compare
 *
 * `--test-table` reads `<dir>/runs/<id>/metrics.json` of a finished `compare` (the final runs, each of which
 * read `corrected` once) and prints, per task and seed, accuracy, macro-F1, ROC-AUC and recall per class.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TaskName } from '../src/data/schema.js';
import type { MetricsFile } from '../src/evaluate/metrics-file.js';
import { parseModelOptions } from '../src/models/registry.js';
import { meanStd } from '../src/train/evaluate-zero-day.js';
import { runTraining } from '../src/train/run-training.js';
import type { ValidationScheme } from '../src/train/validation-schemes.js';
import { benchDataDir } from './lib/nsl-kdd-matrices.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    task: { type: 'string', default: 'ddos-u2r-normal' },
    seeds: { type: 'string', default: '1,2,3' },
    model: { type: 'string', default: 'fcnn' },
    options: { type: 'string', default: '{}' },
    log1p: { type: 'boolean', default: false },
    validation: { type: 'string', default: 'leave-attack-type-out' },
    out: { type: 'string', default: 'runs/kdd99-selection' },
    table: { type: 'string' },
    'test-table': { type: 'string' },
  },
});

type Validation = NonNullable<MetricsFile['validation']>;

async function printTable(root: string): Promise<void> {
  const pct = (xs: number[]): string => {
    const { mean, std } = meanStd(xs.map((x) => x * 100));
    return `${mean.toFixed(2)} ± ${std.toFixed(2)} %`;
  };
  const lines = [
    '| candidate | task | seeds | validation accuracy | validation macro-F1 | ROC-AUC per class (mean; min over seeds) | recall per class | train s (mean) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const task of (await readdir(root)).sort()) {
    const runs = new Map<string, { seed: number; v: Validation; seconds: number }[]>();
    for (const entry of (await readdir(join(root, task))).sort()) {
      const match = /^(.+)-s(\d+)$/.exec(entry);
      if (!match) continue;
      let metrics: MetricsFile;
      try {
        metrics = JSON.parse(await readFile(join(root, task, entry, 'metrics.json'), 'utf8')) as MetricsFile;
      } catch {
        continue; // unfinished run
      }
      if (!metrics.validation) throw new Error(`${entry}: no validation figures`);
      if (Object.keys(metrics.splits).length > 0) throw new Error(`${entry}: this run read a test file`);
      const list = runs.get(match[1]) ?? [];
      list.push({ seed: Number(match[2]), v: metrics.validation, seconds: metrics.trainSeconds ?? NaN });
      runs.set(match[1], list);
    }
    for (const [name, list] of [...runs].sort(([a], [b]) => a.localeCompare(b))) {
      list.sort((a, b) => a.seed - b.seed);
      const m = list.map((r) => r.v.metrics);
      const classes = Object.keys(m[0].perClass);
      const auc = classes
        .map((c) => {
          const xs = m.map((x) => x.rocAuc.perClass[c] ?? NaN);
          return `${c} ${meanStd(xs).mean.toFixed(4)}; ${Math.min(...xs).toFixed(4)}`;
        })
        .join(', ');
      const recall = classes
        .map((c) => `${c} ${(meanStd(m.map((x) => x.perClass[c].recall)).mean * 100).toFixed(1)} %`)
        .join(', ');
      const seconds = meanStd(list.map((r) => r.seconds)).mean.toFixed(0);
      lines.push(
        `| ${name} | ${task} | ${list.map((r) => r.seed).join(', ')} | ${pct(m.map((x) => x.accuracy))} | ${pct(m.map((x) => x.f1.macro))} | ${auc} | ${recall} | ${seconds} |`,
      );
    }
  }
  console.log(lines.join('\n'));
}

async function printTestTable(root: string): Promise<void> {
  const rows: MetricsFile[] = [];
  for (const id of await readdir(join(root, 'runs'))) {
    try {
      rows.push(JSON.parse(await readFile(join(root, 'runs', id, 'metrics.json'), 'utf8')) as MetricsFile);
    } catch {
      // unfinished run
    }
  }
  rows.sort((a, b) => `${a.model}|${a.task}|${a.seed}`.localeCompare(`${b.model}|${b.task}|${b.seed}`));
  const lines = [
    '| model | task | test split | seed | accuracy | macro-F1 | ROC-AUC per class | recall per class |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const m of rows) {
    for (const [split, s] of Object.entries(m.splits)) {
      const auc = m.classes.map((c) => `${c} ${s.rocAuc.perClass[c]?.toFixed(4) ?? 'n/a'}`).join(', ');
      const recall = m.classes.map((c) => `${c} ${(s.perClass[c].recall * 100).toFixed(1)} %`).join(', ');
      lines.push(
        `| ${m.model} | ${m.task} | ${split} | ${m.seed} | ${(s.accuracy * 100).toFixed(2)} % | ${(s.f1.macro * 100).toFixed(2)} % | ${auc} | ${recall} |`,
      );
    }
  }
  console.log(lines.join('\n'));
}

if (values.table) {
  await printTable(values.table);
} else if (values['test-table']) {
  await printTestTable(values['test-table']);
} else {
  if (!values.name) throw new Error('--name is required (or --table <dir>)');
  const modelOptions = parseModelOptions(values.model, JSON.parse(values.options) as unknown, '--options');
  for (const seed of values.seeds.split(',').map(Number)) {
    const out = join(values.out, values.task, `${values.name}-s${seed}`);
    try {
      await readFile(join(out, 'metrics.json'));
      continue; // finished before
    } catch {
      // not run yet
    }
    const started = performance.now();
    const { metrics } = await runTraining({
      dataset: 'kdd99',
      task: values.task as TaskName,
      protocol: 'official',
      model: values.model,
      modelOptions,
      seed,
      out,
      dedup: true,
      log1p: values.log1p,
      validation: values.validation as ValidationScheme,
      skipTests: true,
      dataDir: benchDataDir,
    });
    await rm(join(out, 'model'), { recursive: true, force: true });
    const v = metrics.validation?.metrics;
    console.log(
      JSON.stringify({
        name: values.name,
        task: values.task,
        seed,
        accuracy: v?.accuracy,
        macroF1: v?.f1.macro,
        rocAuc: v?.rocAuc.perClass,
        heldOut: metrics.validation?.detail,
        seconds: Math.round((performance.now() - started) / 1000),
      }),
    );
  }
}
