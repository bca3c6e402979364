/**
 * The IoT-23 figures of docs/results.md that `compare`'s results.json does not hold: recall per class of the
 * time-split runs, and the cross-capture check — every binary IoT-23 model evaluated on another labelled conn
 * log (Stratosphere's test18, a Windows host with RemcosRAT) — as mean ± sample std over the seeds found.
 *
 *   IOT_IDS_DATA_DIR=../shared/data node --import tsx bench/iot23-results.ts reports/iot-23/runs
 *
 * Prints one JSON line, then the Markdown tables.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateModel } from '../src/evaluate/evaluate-model.js';
import type { MetricsFile } from '../src/evaluate/metrics-file.js';

const runsDir = process.argv[2];
if (!runsDir) throw new Error('usage: bench/iot23-results.ts <compare runs dir>');
const dataDir = process.env.IOT_IDS_DATA_DIR ?? '../shared/data';
const other = join(dataDir, 'traffic/slips/test18-malicious-ctu-sme-11-win_zeek-labeled_conn.log.labeled.gz');

function meanStd(xs: number[]): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${(m * 100).toFixed(2)} ± ${(s * 100).toFixed(2)} %`;
}

interface Cell {
  recall: Record<string, number[]>;
  cross: { accuracy: number[]; f1: number[]; recall: Record<string, number[]> };
}
const cells = new Map<string, Cell>();
const scratch = await mkdtemp(join(tmpdir(), 'iot23-results-'));
try {
  for (const run of (await readdir(runsDir)).sort()) {
    if (!run.startsWith('iot-23__')) continue;
    const metrics = JSON.parse(await readFile(join(runsDir, run, 'metrics.json'), 'utf8')) as MetricsFile;
    const key = `${metrics.model}|${metrics.task}`;
    const cell = cells.get(key) ?? { recall: {}, cross: { accuracy: [], f1: [], recall: {} } };
    cells.set(key, cell);
    const split = Object.values(metrics.splits)[0];
    for (const [c, v] of Object.entries(split.perClass)) (cell.recall[c] ??= []).push(v.recall);
    if (metrics.task !== 'binary') continue;
    const evaluated = await evaluateModel({
      modelDir: join(runsDir, run, 'model'),
      dataset: other,
      out: join(scratch, run),
    });
    const s = Object.values(evaluated.metrics.splits)[0];
    cell.cross.accuracy.push(s.accuracy);
    cell.cross.f1.push(s.f1.macro);
    for (const [c, v] of Object.entries(s.perClass)) (cell.cross.recall[c] ??= []).push(v.recall);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}

const json: Record<string, unknown> = {};
const lines = [
  '| model | task | seeds | recall per class (IoT-23 time-split test part) |',
  '|---|---|---|---|',
];
const cross = [
  '| model (IoT-23 binary, time-split) | seeds | accuracy on test18 | macro-F1 | recall normal | recall attack |',
  '|---|---|---|---|---|---|',
];
for (const [key, cell] of cells) {
  const [model, task] = key.split('|');
  const n = Object.values(cell.recall)[0]?.length ?? 0;
  json[key] = cell;
  lines.push(
    `| ${model} | ${task} | ${n} | ${Object.entries(cell.recall)
      .map(([c, xs]) => `${c} ${meanStd(xs)}`)
      .join('; ')} |`,
  );
  if (task === 'binary') {
    const r = cell.cross.recall;
    cross.push(
      `| ${model} | ${cell.cross.accuracy.length} | ${meanStd(cell.cross.accuracy)} | ${meanStd(cell.cross.f1)} | ${meanStd(r.normal ?? [])} | ${meanStd(r.attack ?? [])} |`,
    );
  }
}
console.log(JSON.stringify(json));
console.log([...lines, '', ...cross].join('\n'));
