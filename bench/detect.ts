/**
 * Batch detection throughput: `node --import tsx bench/detect.ts [--model-dir DIR]`. Scores all of KDDTest+
 * (gzip) with a Random Forest model through `detectFile` (read, validate, encode, predict, write NDJSON to
 * a file) and, for comparison, only reads and validates it with `streamRecordBatches`. Without `--model-dir` a
 * forest is first trained on KDDTrain+ into a temporary directory. Detection runs in a child process, so
 * the peak RSS is detection's own, not training's.
 * Environment: IOT_IDS_DATA_DIR (default ../shared/data), DETECT_TREES (100), DETECT_JOBS (2),
 * DETECT_REPEATS (3), DETECT_BATCH_ROWS (4096).
 * Prints one JSON line, then one human-readable line.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASETS } from '../src/data/registry.js';
import { detectFile, type DetectSummary } from '../src/detection/detect-file.js';
import { streamRecordBatches } from '../src/detection/record-batches.js';
import { runTraining } from '../src/train/run-training.js';
import { benchDataDir, median, peakRssMiB } from './lib/nsl-kdd-matrices.js';

const trees = Number(process.env.DETECT_TREES ?? 100);
const jobs = Number(process.env.DETECT_JOBS ?? 2);
const repeats = Number(process.env.DETECT_REPEATS ?? 3);
const batchRows = Number(process.env.DETECT_BATCH_ROWS ?? 4096);
const testFile = join(benchDataDir, 'nsl-kdd', 'KDDTest+.txt.gz');

interface DetectFigures {
  records: number;
  alerts: number;
  batchRows: number;
  detectSeconds: number[];
  recordsPerSecondMedian: number;
  readOnlyRecordsPerSecond: number;
  peakRssMiB: number;
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** Child process: detection only, so maxRSS is detection's. */
async function measureDetection(modelDir: string): Promise<DetectFigures> {
  const out = await mkdtemp(join(tmpdir(), 'iot-ids-bench-detect-out-'));
  try {
    const seconds: number[] = [];
    const summaries: DetectSummary[] = [];
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      const summary = await detectFile({
        modelDir,
        input: testFile,
        output: join(out, 'verdicts.ndjson'),
        batchRows,
      });
      seconds.push((performance.now() - started) / 1000);
      summaries.push(summary);
    }
    const { records, alerts } = summaries[0];
    const started = performance.now();
    let rows = 0;
    for await (const batch of streamRecordBatches(createReadStream(testFile), DATASETS['nsl-kdd'].schema, {
      batchRows,
    })) {
      rows += batch.table.nRows;
    }
    const readSeconds = (performance.now() - started) / 1000;
    return {
      records,
      alerts,
      batchRows,
      detectSeconds: seconds.map((s) => Number(s.toFixed(3))),
      // Wall time including model loading, as a user of `iot-ids detect` sees it.
      recordsPerSecondMedian: Math.round(records / median(seconds)),
      readOnlyRecordsPerSecond: Math.round(rows / readSeconds),
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const child = argument('--one');
  if (child !== undefined) {
    process.stdout.write(`${JSON.stringify(await measureDetection(child))}\n`);
    return;
  }
  if (!existsSync(testFile)) {
    console.log(JSON.stringify({ bench: 'detect', skipped: `no ${testFile}` }));
    return;
  }
  let modelDir = argument('--model-dir');
  let temp: string | undefined;
  let trainSeconds: number | undefined;
  try {
    if (modelDir === undefined) {
      temp = await mkdtemp(join(tmpdir(), 'iot-ids-bench-detect-'));
      const started = performance.now();
      const run = await runTraining({
        dataset: 'nsl-kdd',
        task: '5class',
        protocol: 'official',
        model: 'rf',
        modelOptions: { nEstimators: trees, nJobs: jobs },
        seed: 1,
        out: temp,
        dataDir: benchDataDir,
      });
      trainSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
      modelDir = run.modelDir;
    }
    const self = fileURLToPath(import.meta.url);
    const output = execFileSync(process.execPath, [...process.execArgv, self, '--one', modelDir], {
      encoding: 'utf8',
      env: process.env,
    });
    const figures = JSON.parse(output.trim().split('\n').pop()!) as DetectFigures;
    const model = temp === undefined ? { modelDir } : { trainedTrees: trees, trainSeconds };
    console.log(
      JSON.stringify({
        bench: 'detect',
        node: process.version,
        input: 'KDDTest+.txt.gz',
        ...model,
        ...figures,
      }),
    );
    console.log(
      `detect KDDTest+ (${figures.records.toLocaleString('en-US')} records, gzip) with ` +
        `${temp === undefined ? `the model in ${modelDir}` : `a ${trees}-tree forest`}: ` +
        `${figures.recordsPerSecondMedian.toLocaleString('en-US')} records/s end to end (median of ${repeats}, ` +
        `model loading and NDJSON output included), reading + validating alone ` +
        `${figures.readOnlyRecordsPerSecond.toLocaleString('en-US')} records/s, ${figures.alerts.toLocaleString('en-US')} alerts, ` +
        `peak RSS ${figures.peakRssMiB} MiB`,
    );
  } finally {
    if (temp !== undefined) await rm(temp, { recursive: true, force: true });
  }
}

await main();
