/**
 * Random forest on NSL-KDD: fit on all of KDDTrain+ (one-hot + min-max, 122 features), predict KDDTest+,
 * 5-class task. Builds the matrices itself (a stand-in until the real loader and pipeline exist).
 *
 *   node --import tsx bench/random-forest.ts
 * Environment: IOT_IDS_DATA_DIR (default ../shared/data), RF_TREES (100), RF_JOBS (2), RF_MAX_BINS (255),
 * RF_SEED (1).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { RandomForestClassifier } from '../src/models/random-forest/forest.js';
import { createMatrix, type Matrix } from '../src/preprocess/matrix.js';

const CLASSES = ['normal', 'dos', 'probe', 'r2l', 'u2r'] as const;
// The 5-class mapping of /work/shared/data/README.md ("Category counts").
const CATEGORY: Record<string, number> = {};
const groups: Record<number, string> = {
  1: 'back land neptune pod smurf teardrop apache2 mailbomb processtable udpstorm',
  2: 'ipsweep nmap portsweep satan mscan saint',
  3: 'ftp_write guess_passwd imap multihop phf spy warezclient warezmaster named sendmail snmpgetattack snmpguess xlock xsnoop worm',
  4: 'buffer_overflow loadmodule perl rootkit httptunnel ps sqlattack xterm',
};
CATEGORY.normal = 0;
for (const [c, names] of Object.entries(groups))
  for (const name of names.split(' ')) CATEGORY[name] = Number(c);

const CATEGORICAL = [1, 2, 3];
const N_FEATURES_RAW = 41;

interface RawSplit {
  readonly lines: string[];
  readonly y: Int32Array;
}

function readSplit(path: string): RawSplit {
  const lines = gunzipSync(readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const y = new Int32Array(lines.length);
  lines.forEach((line, i) => {
    const label = line.split(',', 42)[41];
    const category = CATEGORY[label];
    if (category === undefined) throw new Error(`${path}, line ${i + 1}: unknown label "${label}"`);
    y[i] = category;
  });
  return { lines, y };
}

/** One-hot (categories from train, sorted) + min-max (train range) encoder. */
function fitEncoder(train: RawSplit): (split: RawSplit) => Matrix {
  const numeric = Array.from({ length: N_FEATURES_RAW }, (_, i) => i).filter((i) => !CATEGORICAL.includes(i));
  const seen = CATEGORICAL.map(() => new Set<string>());
  const min = numeric.map(() => Infinity);
  const max = numeric.map(() => -Infinity);
  for (const line of train.lines) {
    const f = line.split(',');
    CATEGORICAL.forEach((c, j) => seen[j].add(f[c]));
    numeric.forEach((col, j) => {
      const v = Number(f[col]);
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    });
  }
  const categories = seen.map((s) => new Map([...s].sort().map((v, k) => [v, k])));
  const cols = numeric.length + categories.reduce((sum, c) => sum + c.size, 0);
  return (split) => {
    const out = new Float32Array(split.lines.length * cols);
    split.lines.forEach((line, i) => {
      const f = line.split(',');
      let o = i * cols;
      numeric.forEach((col, j) => {
        const range = max[j] - min[j];
        out[o++] = range > 0 ? (Number(f[col]) - min[j]) / range : 0;
      });
      CATEGORICAL.forEach((c, j) => {
        const k = categories[j].get(f[c]);
        if (k !== undefined) out[o + k] = 1;
        o += categories[j].size;
      });
    });
    return createMatrix(split.lines.length, cols, out);
  };
}

export interface RandomForestBenchResult {
  bench: 'random-forest';
  trainRows: number;
  testRows: number;
  features: number;
  trees: number;
  nJobs: number;
  maxBins: number;
  nodes: number;
  fitSeconds: number;
  /** CPU time of all threads during fit: with other load on the machine, fitSeconds alone misleads. */
  fitCpuSeconds: number;
  predictRowsPerSecond: number;
  accuracy5class: number;
  peakRssMB: number;
}

export async function benchRandomForest(dataDir: string): Promise<RandomForestBenchResult> {
  const train = readSplit(join(dataDir, 'nsl-kdd', 'KDDTrain+.txt.gz'));
  const test = readSplit(join(dataDir, 'nsl-kdd', 'KDDTest+.txt.gz'));
  const encode = fitEncoder(train);
  const xTrain = encode(train);
  const xTest = encode(test);
  const trees = Number(process.env.RF_TREES ?? 100);
  const nJobs = Number(process.env.RF_JOBS ?? 2);
  const maxBins = Number(process.env.RF_MAX_BINS ?? 255);
  const seed = Number(process.env.RF_SEED ?? 1);
  const model = new RandomForestClassifier({ nEstimators: trees, nJobs, maxBins, seed });

  const fitStart = performance.now();
  const fitCpuStart = process.cpuUsage();
  await model.fit(xTrain, train.y, { nClasses: CLASSES.length });
  const fitSeconds = (performance.now() - fitStart) / 1000;
  const fitCpu = process.cpuUsage(fitCpuStart);

  const predictStart = performance.now();
  const predicted = await model.predict(xTest);
  const predictSeconds = (performance.now() - predictStart) / 1000;
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === test.y[i]) correct++;
  const result: RandomForestBenchResult = {
    bench: 'random-forest',
    trainRows: xTrain.rows,
    testRows: xTest.rows,
    features: xTrain.cols,
    trees,
    nJobs,
    maxBins,
    nodes: model.forest.feature.length,
    fitSeconds: round(fitSeconds, 2),
    fitCpuSeconds: round((fitCpu.user + fitCpu.system) / 1e6, 2),
    predictRowsPerSecond: Math.round(xTest.rows / predictSeconds),
    accuracy5class: round(correct / predicted.length, 4),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  await model.dispose();
  return result;
}

function round(v: number, digits: number): number {
  const s = 10 ** digits;
  return Math.round(v * s) / s;
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const dataDir = process.env.IOT_IDS_DATA_DIR ?? resolve(import.meta.dirname, '..', '..', 'shared', 'data');
  const r = await benchRandomForest(dataDir);
  console.log(JSON.stringify(r));
  console.log(
    `random forest: ${r.trees} trees on ${r.trainRows} × ${r.features} in ${r.fitSeconds} s (${r.fitCpuSeconds} s CPU, ${r.nJobs} workers, ` +
      `${r.maxBins} bins), predict ${r.predictRowsPerSecond} rows/s, KDDTest+ 5-class accuracy ` +
      `${(100 * r.accuracy5class).toFixed(2)} %, peak RSS ${r.peakRssMB} MB`,
  );
}
