/**
 * Random Forest on NSL-KDD: fit on all of KDDTrain+ (the real loader and pipeline: one-hot + min-max, 122
 * features), predict KDDTest+, 5-class task. Prints one JSON line and one human line.
 *
 *   npm run build && node dist-bench… — or simply:  node --import tsx bench/random-forest.ts
 * Environment: IOT_IDS_DATA_DIR (default ../shared/data), RF_TREES (100), RF_JOBS (2), RF_REPEATS (3).
 * Under tsx every worker also compiles TypeScript, which adds a second or two per fit; the figures in
 * docs/benchmarks.md are from this script as shown.
 */
import { accuracy } from '../src/evaluate/classification-metrics.js';
import { RandomForestClassifier } from '../src/models/random-forest/forest.js';
import { median, nslKddMatrices, peakRssMiB } from './lib/nsl-kdd-matrices.js';

const trees = Number(process.env.RF_TREES ?? 100);
const jobs = Number(process.env.RF_JOBS ?? 2);
const repeats = Number(process.env.RF_REPEATS ?? 3);

const { train, test } = await nslKddMatrices();
const fitSeconds: number[] = [];
const predictRowsPerSecond: number[] = [];
const accuracies: number[] = [];
for (let r = 0; r < repeats; r++) {
  const forest = new RandomForestClassifier({ nEstimators: trees, nJobs: jobs, seed: r + 1 });
  const t0 = performance.now();
  await forest.fit(train.x, train.y, { nClasses: train.classes.length });
  fitSeconds.push((performance.now() - t0) / 1000);
  const t1 = performance.now();
  const predicted = await forest.predict(test.x);
  predictRowsPerSecond.push(test.x.rows / ((performance.now() - t1) / 1000));
  accuracies.push(accuracy(test.y, predicted));
  await forest.dispose();
}
const result = {
  bench: 'random-forest',
  trainRows: train.x.rows,
  features: train.x.cols,
  trees,
  jobs,
  repeats,
  fitSecondsMedian: Number(median(fitSeconds).toFixed(2)),
  fitSeconds: fitSeconds.map((s) => Number(s.toFixed(2))),
  predictRowsPerSecondMedian: Math.round(median(predictRowsPerSecond)),
  kddTestPlusAccuracy: accuracies.map((a) => Number(a.toFixed(4))),
  peakRssMiB: peakRssMiB(),
};
console.log(JSON.stringify(result));
console.log(
  `RF ${trees} trees × ${jobs} workers on KDDTrain+ (${train.x.rows} × ${train.x.cols}): fit ${result.fitSecondsMedian} s (median of ${repeats}), predict ${result.predictRowsPerSecondMedian.toLocaleString('en-US')} rows/s, KDDTest+ accuracy ${accuracies.map((a) => (a * 100).toFixed(2)).join(' / ')} %, peak RSS ${result.peakRssMiB} MiB`,
);
