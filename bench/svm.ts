/**
 * The SVM (src/models/svm) on all of KDDTrain+ (125,973 rows, the real loader and pipeline: 122 one-hot +
 * min-max features) and on 64-column dense inputs standing in for sparse-autoencoder codes
 * (sigmoid(x · R), R a seeded Gaussian 122 × 64), for the linear and the RBF (random Fourier) kernel:
 *   - seconds per epoch: the first (for RBF it also builds the random-feature cache) and the median of the
 *     rest, wall and CPU time of this process (CPU is steadier on a shared machine);
 *   - scoring rows/s on KDDTest+ (decision values, 8192 rows per batch, features computed on the fly), per
 *     wall second and per CPU second;
 *   - KDDTest+ accuracy after these few epochs (a sanity figure, not a converged result);
 *   - peak RSS: every case runs in its own child process, so the figure is that case's alone.
 *
 *   node --import tsx bench/svm.ts [--epochs 4] [--components 1024] [--cases linear-122,rbf-122,linear-64,rbf-64]
 * Prints one JSON line and one human line on stdout. Environment: IOT_IDS_DATA_DIR (default ../shared/data).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { accuracy } from '../src/evaluate/classification-metrics.js';
import { SvmClassifier } from '../src/models/svm/svm.js';
import { createMatrix, type Matrix } from '../src/preprocess/matrix.js';
import { Random } from '../src/util/random.js';
import { median, nslKddMatrices, peakRssMiB } from './lib/nsl-kdd-matrices.js';

const CODE_WIDTH = 64;
const ALL_CASES = ['linear-122', 'rbf-122', 'linear-64', 'rbf-64'];

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '4' },
    components: { type: 'string', default: '1024' },
    cases: { type: 'string', default: ALL_CASES.join(',') },
    case: { type: 'string' },
  },
});
const epochs = Number(args.epochs);
const components = Number(args.components);

interface CaseResult {
  case: string;
  kernel: 'linear' | 'rbf';
  rows: number;
  features: number;
  epochs: number;
  firstEpochSeconds: number;
  firstEpochCpuSeconds: number;
  epochSecondsMedian: number;
  epochCpuSecondsMedian: number;
  scoreRowsPerSecond: number;
  scoreRowsPerCpuSecond: number;
  kddTestPlusAccuracy: number;
  peakRssMiB: number;
}

/** Dense (0, 1) codes from a fixed random projection: the shape and density of SAE codes. */
function standInCodes(x: Matrix, projection: Float32Array): Matrix {
  const out = new Float32Array(x.rows * CODE_WIDTH);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < CODE_WIDTH; j++) {
      let s = 0;
      for (let f = 0; f < x.cols; f++) s += x.data[i * x.cols + f] * projection[f * CODE_WIDTH + j];
      out[i * CODE_WIDTH + j] = 1 / (1 + Math.exp(-s));
    }
  }
  return createMatrix(x.rows, CODE_WIDTH, out);
}

async function runCase(name: string): Promise<CaseResult> {
  const [kernel, width] = name.split('-') as ['linear' | 'rbf', string];
  const { train, test } = await nslKddMatrices();
  let trainX = train.x;
  let testX = test.x;
  if (width === String(CODE_WIDTH)) {
    const random = new Random(64);
    const projection = Float32Array.from({ length: train.x.cols * CODE_WIDTH }, () => random.normal());
    trainX = standInCodes(train.x, projection);
    testX = standInCodes(test.x, projection);
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  let lastWall = performance.now();
  let lastCpu = process.cpuUsage();
  const model = new SvmClassifier({ kernel, rffComponents: components, epochs });
  await model.fit(trainX, train.y, {
    nClasses: train.classes.length,
    callbacks: [
      {
        onEpochEnd: () => {
          const used = process.cpuUsage(lastCpu);
          wall.push((performance.now() - lastWall) / 1000);
          cpu.push((used.user + used.system) / 1e6);
          lastWall = performance.now();
          lastCpu = process.cpuUsage();
        },
      },
    ],
  });
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await model.predictProba(testX);
  const scoreCpu = process.cpuUsage(cpuStarted);
  const scoreSeconds = (performance.now() - started) / 1000;
  const predicted = await model.predict(testX);
  const steady = (values: number[]) => median(values.length > 1 ? values.slice(1) : values);
  return {
    case: name,
    kernel,
    rows: trainX.rows,
    features: trainX.cols,
    epochs: wall.length,
    firstEpochSeconds: round(wall[0]),
    firstEpochCpuSeconds: round(cpu[0]),
    epochSecondsMedian: round(steady(wall)),
    epochCpuSecondsMedian: round(steady(cpu)),
    scoreRowsPerSecond: Math.round(testX.rows / scoreSeconds),
    scoreRowsPerCpuSecond: Math.round(testX.rows / ((scoreCpu.user + scoreCpu.system) / 1e6)),
    kddTestPlusAccuracy: Number(accuracy(test.y, predicted).toFixed(4)),
    peakRssMiB: peakRssMiB(),
  };
}

function round(value: number): number {
  return Number(value.toFixed(2));
}

if (args.case) {
  console.log(JSON.stringify(await runCase(args.case)));
} else {
  const results: CaseResult[] = [];
  for (const name of args.cases.split(',')) {
    if (!ALL_CASES.includes(name)) throw new Error(`unknown case "${name}"; cases: ${ALL_CASES.join(', ')}`);
    const output = execFileSync(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--case',
        name,
        '--epochs',
        String(epochs),
        '--components',
        String(components),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    results.push(JSON.parse(output.trim().split('\n').pop()!) as CaseResult);
  }
  console.log(JSON.stringify({ bench: 'svm', rffComponents: components, epochs, cases: results }));
  console.log(
    results
      .map(
        (r) =>
          `${r.kernel}/${r.features} cols: ${r.epochSecondsMedian} s/epoch (CPU ${r.epochCpuSecondsMedian} s, first ${r.firstEpochSeconds} s / CPU ${r.firstEpochCpuSeconds} s), score ${r.scoreRowsPerSecond.toLocaleString('en-US')} rows/s (${r.scoreRowsPerCpuSecond.toLocaleString('en-US')} per CPU s), KDDTest+ ${(r.kddTestPlusAccuracy * 100).toFixed(2)} %, peak RSS ${r.peakRssMiB} MiB`,
      )
      .join(' | ') +
      ` — SVM on KDDTrain+ (${results[0]?.rows ?? 0} rows), ${components} random features for RBF`,
  );
}
