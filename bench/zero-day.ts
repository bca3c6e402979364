/**
 * Zero-day mode's autoencoder (122 → 32 → 8 → 32 → 122, defaults of `AnomalyDetector`) on NSL-KDD through
 * the real loader and pipeline: wall and CPU seconds per training epoch on KDDTrain+'s normal rows (90 %
 * of them; the other 10 % are the validation rows, whose pass is included in the epoch time, as in real
 * training), and scoring rows/s (reconstruction errors of all 125,973 KDDTrain+ rows, median of 3).
 *
 *   node --import tsx bench/zero-day.ts [--epochs 3]
 * Prints one JSON line and one human line.
 *
 * With --evaluate it produces the "Zero-day mode" table of docs/results.md instead: a Random Forest
 * (5class, official) and an autoencoder per seed, recall on the KDDTest+ attack types KDDTrain+ lacks, at
 * validation false-positive rates of 1 % and 5 %:
 *
 *   node --import tsx bench/zero-day.ts --evaluate [--seeds 3] [--out runs/zero-day]
 *
 * `--model fcnn --options '{"classWeight":"balanced"}'` puts another classifier (5class) in the forest's place; `--log1p` logs its heavy-tailed counts (the autoencoder shares its pipeline).
 * `--rates 1,5` sets the validation false-positive rates (percent) reported.
 *
 * With `--threshold-from lato-validation` the rate is not fixed beforehand but CHOSEN per seed from the
 * candidates `--rates` (default 1,2,5,10) on leave-attack-type-out validation rows of KDDTrain+ — binary by
 * validation binary accuracy, 5class (anomalies routed to the classifier's most probable attack class) by
 * validation accuracy — then KDDTest+ and KDDTest-21 are read once (train/evaluate-zero-day-selected.ts):
 *
 *   node --import tsx bench/zero-day.ts --evaluate --threshold-from lato-validation --seeds 5 \
 *     --out runs/zero-day-selected --model fcnn --log1p --options '{...}'
 *
 * It writes <out>/zero-day-selected.json; `--from-json <file>` prints its tables again without training.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { initEngine } from '../src/engine/index.js';
import { takeRows } from '../src/preprocess/matrix.js';
import { stratifiedSplit } from '../src/preprocess/stratified-split.js';
import type { Callback } from '../src/fit/callbacks.js';
import { AnomalyDetector, STAGE_NAME } from '../src/models/zero-day/anomaly-detector.js';
import { evaluateZeroDay, formatZeroDayMarkdown } from '../src/train/evaluate-zero-day.js';
import {
  evaluateZeroDaySelected,
  type ZeroDaySelectedEvaluation,
} from '../src/train/evaluate-zero-day-selected.js';
import { formatZeroDaySelectedMarkdown } from '../src/train/format-zero-day-selected.js';
import { parseZeroDaySelectionArgs } from '../src/train/zero-day-selection-options.js';
import { writeJsonAtomic } from '../src/util/atomic-write.js';
import { parseModelOptions } from '../src/models/registry.js';
import { benchDataDir, median, nslKddMatrices, peakRssMiB } from './lib/nsl-kdd-matrices.js';

const SCORING_REPEATS = 3;

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    evaluate: { type: 'boolean', default: false },
    seeds: { type: 'string', default: '3' },
    out: { type: 'string', default: 'runs/zero-day' },
    model: { type: 'string', default: 'rf' },
    options: { type: 'string', default: '{}' },
    log1p: { type: 'boolean', default: false },
    'threshold-from': { type: 'string', default: 'fixed' },
    rates: { type: 'string' },
    'validation-fraction': { type: 'string', default: '0.1' },
    'from-json': { type: 'string' },
  },
});

if (args['from-json']) {
  const saved = JSON.parse(await readFile(args['from-json'], 'utf8')) as ZeroDaySelectedEvaluation;
  console.log(formatZeroDaySelectedMarkdown(saved));
} else if (args.evaluate) await evaluate();
else await bench();

async function bench(): Promise<void> {
  const epochs = Number(args.epochs);
  const info = await initEngine();
  const { train } = await nslKddMatrices('KDDTrain+', 'KDDTest+', '5class');
  const normalIndex = train.classes.indexOf('normal');
  const normal = takeRows(
    train.x,
    Array.from(train.y.keys()).filter((i) => train.y[i] === normalIndex),
  );
  const parts = stratifiedSplit(new Int32Array(normal.rows), 0.1, 1);
  const fitRows = takeRows(normal, parts.train);
  const validationRows = takeRows(normal, parts.test);

  const wall: number[] = [];
  const cpu: number[] = [];
  let cpuAtStart = process.cpuUsage();
  const timer: Callback = {
    onStageBegin: () => {
      cpuAtStart = process.cpuUsage();
    },
    onEpochEnd: (_epoch, logs) => {
      const used = process.cpuUsage(cpuAtStart);
      cpuAtStart = process.cpuUsage();
      wall.push(logs.seconds ?? Number.NaN);
      cpu.push((used.user + used.system) / 1e6);
    },
  };
  // Patience above the epoch count: every requested epoch runs.
  const detector = new AnomalyDetector({ epochs, patience: epochs + 1, seed: 1 });
  await detector.fit(fitRows, { validation: validationRows, falsePositiveRate: 0.01, callbacks: [timer] });
  const history = detector.history;

  const rowsPerSecond: number[] = [];
  for (let r = 0; r < SCORING_REPEATS; r++) {
    const started = performance.now();
    await detector.score(train.x);
    rowsPerSecond.push(train.x.rows / ((performance.now() - started) / 1000));
  }
  detector.dispose();

  const result = {
    bench: 'zero-day',
    stage: STAGE_NAME,
    backend: info.backend,
    simd: info.simd,
    layers: [
      train.x.cols,
      ...detector.options.hiddenUnits,
      ...detector.options.hiddenUnits.slice(0, -1).reverse(),
      train.x.cols,
    ],
    batchSize: detector.options.batchSize,
    trainRows: fitRows.rows,
    validationRows: validationRows.rows,
    epochs: wall.length,
    secondsPerEpoch: round(median(wall)),
    cpuSecondsPerEpoch: round(median(cpu)),
    lastTrainLoss: history[history.length - 1]?.loss,
    lastValLoss: history[history.length - 1]?.valLoss,
    scoringRows: train.x.rows,
    scoringRowsPerSecond: Math.round(median(rowsPerSecond)),
    peakRssMiB: peakRssMiB(),
  };
  console.log(JSON.stringify(result));
  console.log(
    `zero-day autoencoder ${result.layers.join('→')}: ${result.secondsPerEpoch} s/epoch ` +
      `(cpu ${result.cpuSecondsPerEpoch} s) on ${result.trainRows} normal KDDTrain+ rows at batch ${result.batchSize}, ` +
      `scoring ${result.scoringRowsPerSecond.toLocaleString('en')} rows/s, peak RSS ${result.peakRssMiB} MiB`,
  );
}

async function evaluate(): Promise<void> {
  const selection = parseZeroDaySelectionArgs({
    thresholdFrom: args['threshold-from'],
    rates: args.rates ?? (args['threshold-from'] === 'lato-validation' ? '1,2,5,10' : '1,5'),
    seeds: args.seeds,
    validationFraction: args['validation-fraction'],
  });
  if (selection.thresholdFrom === 'lato-validation') return evaluateSelected(selection);
  const seeds = Array.from({ length: selection.seeds }, (_, i) => i + 1);
  const started = performance.now();
  const evaluation = await evaluateZeroDay({
    workDir: args.out,
    dataDir: benchDataDir,
    seeds,
    falsePositiveRates: selection.rates,
    classifier: classifierArgs(),
    progress: stderrProgress(),
  });
  console.log(
    JSON.stringify({
      bench: 'zero-day-evaluate',
      seconds: Math.round((performance.now() - started) / 1000),
      ...evaluation,
    }),
  );
  console.log(`\n${formatZeroDayMarkdown(evaluation)}`);
}

/** The classifier of both evaluations, from the command line. */
function classifierArgs() {
  return {
    model: args.model,
    modelOptions: parseModelOptions(args.model, JSON.parse(args.options), '--options'),
    log1p: args.log1p,
  };
}

/** Stage names and notes on stderr; no bar (the stages are long and few). */
function stderrProgress() {
  return {
    start: (stage: string) => process.stderr.write(`  ${stage}\n`),
    update: () => undefined,
    finish: () => undefined,
    note: (message: string) => process.stderr.write(`  ${message}\n`),
  };
}

async function evaluateSelected(selection: ReturnType<typeof parseZeroDaySelectionArgs>): Promise<void> {
  const started = performance.now();
  const evaluation = await evaluateZeroDaySelected({
    workDir: args.out,
    dataDir: benchDataDir,
    seeds: Array.from({ length: selection.seeds }, (_, i) => i + 1),
    rates: selection.rates,
    validationFraction: selection.validationFraction,
    classifier: classifierArgs(),
    progress: stderrProgress(),
  });
  await writeJsonAtomic(join(args.out, 'zero-day-selected.json'), evaluation);
  console.log(
    JSON.stringify({
      bench: 'zero-day-selected',
      seconds: Math.round((performance.now() - started) / 1000),
      ...evaluation,
    }),
  );
  console.log(`\n${formatZeroDaySelectedMarkdown(evaluation)}`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
