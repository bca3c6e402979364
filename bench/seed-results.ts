/**
 * Mean ± std over seeds for docs/results.md: runs `iot-ids train` in-process for every task × protocol × seed
 * and prints one JSON line per cell plus a Markdown table.
 *
 *   node --import tsx bench/seed-results.ts --model rf --dataset nsl-kdd --tasks 5class,binary \
 *     --protocols official,random-split --seeds 3 [--options '{"nEstimators":100}'] [--out runs/results]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { ProtocolName, TaskName } from '../src/data/schema.js';
import { parseModelOptions } from '../src/models/registry.js';
import { runTraining } from '../src/train/run-training.js';
import { benchDataDir } from './lib/nsl-kdd-matrices.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'rf' },
    dataset: { type: 'string', default: 'nsl-kdd' },
    tasks: { type: 'string', default: '5class' },
    protocols: { type: 'string', default: 'official' },
    seeds: { type: 'string', default: '3' },
    options: { type: 'string', default: '{}' },
    out: { type: 'string', default: 'runs/results' },
    'train-split': { type: 'string' },
  },
});

const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const modelOptions = parseModelOptions(values.model, JSON.parse(values.options) as unknown, '--options');
const rows: string[] = [];

for (const task of values.tasks.split(',') as TaskName[]) {
  for (const protocol of values.protocols.split(',') as ProtocolName[]) {
    const perSplit = new Map<
      string,
      { accuracy: number[]; f1: number[]; auc: number[]; seconds: number[] }
    >();
    for (const seed of seeds) {
      const { metrics } = await runTraining({
        dataset: values.dataset,
        task,
        protocol,
        model: values.model,
        modelOptions,
        seed,
        out: join(values.out, `${values.model}-${values.dataset}-${task}-${protocol}-${seed}`),
        trainSplit: values['train-split'],
        dataDir: benchDataDir,
      });
      for (const [split, m] of Object.entries(metrics.splits)) {
        const cell = perSplit.get(split) ?? { accuracy: [], f1: [], auc: [], seconds: [] };
        cell.accuracy.push(m.accuracy);
        cell.f1.push(m.f1.macro);
        cell.auc.push(m.rocAuc.macro ?? NaN);
        cell.seconds.push(metrics.trainSeconds ?? NaN);
        perSplit.set(split, cell);
      }
    }
    for (const [split, cell] of perSplit) {
      const summary = {
        model: values.model,
        dataset: values.dataset,
        task,
        protocol,
        split,
        seeds: seeds.length,
        accuracy: meanStd(cell.accuracy),
        macroF1: meanStd(cell.f1),
        rocAucMacro: meanStd(cell.auc),
        trainSeconds: meanStd(cell.seconds),
      };
      console.log(JSON.stringify(summary));
      rows.push(
        `| ${values.model} | ${task} | ${protocol} | ${split} | ${pct(summary.accuracy)} | ${pct(summary.macroF1)} | ${summary.rocAucMacro.mean.toFixed(4)} ± ${summary.rocAucMacro.std.toFixed(4)} | ${summary.trainSeconds.mean.toFixed(1)} |`,
      );
    }
  }
}
console.log(
  `\n| model | task | protocol | test split | accuracy | macro-F1 | ROC-AUC (macro) | train s |\n|---|---|---|---|---|---|---|---|`,
);
console.log(rows.join('\n'));

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  // Sample standard deviation (n − 1), as numpy's std(ddof=1).
  const variance =
    values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

function pct(v: { mean: number; std: number }): string {
  return `${(v.mean * 100).toFixed(2)} ± ${(v.std * 100).toFixed(2)} %`;
}
