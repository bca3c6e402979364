/**
 * Report building time: `node --import tsx bench/report.ts`. Synthesises a realistic comparison (4 models ×
 * 5 seeds on NSL-KDD 5-class, official protocol, KDDTest+ and KDDTest-21 at their real sizes; one run
 * directory per model with roc.json), then times the compare report (charts + HTML), writing it with every
 * chart as PNG, and one run report. Prints one JSON line, then one human-readable line. Goal: < 10 s for the
 * compare report with PNGs on the shared 2-core machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCompareReport, buildRunReport, writeReport } from '../src/report/html-report.js';
import { extractFigures } from '../src/report/html/figure.js';
import { buildResultsFile } from '../src/report/results-file.js';
import { syntheticResultsRuns, writeSyntheticRunDir } from '../src/report/synthetic-runs.js';
import { peakRssMiB } from './lib/nsl-kdd-matrices.js';

const MODELS = ['rf', 'sae-softmax', 'sae-svm', 'fcnn'];
const SEEDS = [1, 2, 3, 4, 5];
const SHAPE = {
  dataset: 'nsl-kdd',
  task: '5class',
  classes: ['normal', 'dos', 'probe', 'r2l', 'u2r'],
  trainSplit: 'KDDTrain+',
  // Rows per class of the real test files.
  splits: { 'KDDTest+': [9711, 7458, 2421, 2754, 200], 'KDDTest-21': [2152, 4342, 2402, 2754, 200] },
};

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, (performance.now() - start) / 1000];
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'iot-ids-bench-report-'));
  try {
    const [runs, synthesiseSeconds] = await seconds(async () => {
      const all = syntheticResultsRuns(MODELS, SEEDS, SHAPE);
      for (const run of all.filter((r) => r.seed === SEEDS[0])) {
        run.dir = run.id;
        const index = MODELS.indexOf(run.model);
        run.metrics = (
          await writeSyntheticRunDir(join(root, run.id), {
            ...SHAPE,
            model: run.model,
            seed: run.seed,
            skill: 2 + 0.4 * index,
          })
        ).metrics;
      }
      return all;
    });
    const results = buildResultsFile('bench: 4 models × 5 seeds', runs);
    // The first chart pays for module initialisation; time a warm build as the steady figure.
    const [, coldCompareSeconds] = await seconds(() => buildCompareReport(results, { baseDir: root }));
    const [compare, compareSeconds] = await seconds(() => buildCompareReport(results, { baseDir: root }));
    const [written, writeSeconds] = await seconds(() =>
      writeReport(join(root, 'compare.html'), compare, { png: true }),
    );
    const [, runReportSeconds] = await seconds(async () =>
      writeReport(join(root, 'run.html'), await buildRunReport(join(root, runs[0].id)), { png: true }),
    );
    const figures = extractFigures(compare).length;
    const result = {
      bench: 'report',
      node: process.version,
      runs: runs.length,
      testRowsPerRun: 22544 + 11850,
      figures,
      htmlBytes: Buffer.byteLength(compare),
      pngs: written.pngs.length,
      synthesiseSeconds: round(synthesiseSeconds),
      coldCompareSeconds: round(coldCompareSeconds),
      compareSeconds: round(compareSeconds),
      writeWithPngSeconds: round(writeSeconds),
      runReportWithPngSeconds: round(runReportSeconds),
      peakRssMiB: peakRssMiB(),
      goalMet: compareSeconds + writeSeconds < 10,
    };
    console.log(JSON.stringify(result));
    console.log(
      `compare report of ${result.runs} runs (${MODELS.length} models × ${SEEDS.length} seeds, 2 test splits): ` +
        `${figures} charts + tables in ${result.compareSeconds} s (cold ${result.coldCompareSeconds} s), ` +
        `${(result.htmlBytes / 1024).toFixed(0)} KiB HTML; writing it with ${result.pngs} PNGs ${result.writeWithPngSeconds} s; ` +
        `one run report with PNGs ${result.runReportWithPngSeconds} s; peak RSS ${result.peakRssMiB} MiB; ` +
        `goal (< 10 s with PNGs) ${result.goalMet ? 'met' : 'NOT met'}`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

await main();
