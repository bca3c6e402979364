/**
 * Random-forest predict on one thread against the calling thread plus kept-alive helpers (predict-pool.ts),
 * by batch size, to place POOL_MIN_ROWS: a 100-tree forest fitted once on KDDTrain+ (seed 1), then, for
 * each batch size (the first rows of KDDTest+), alternating one-thread and pooled passes, `RF_REPEATS`
 * times each; wall and CPU (process-wide, so the helpers' CPU counts) per pass, their medians, the share
 * of chunks the helpers took, and whether both outputs are equal to the bit. The pool is warmed up first
 * (its helpers booted and holding the forest), as in a process that predicts more than once.
 *
 *   IOT_IDS_DATA_DIR=../shared/data node --import tsx bench/forest-predict-threads.ts
 * Environment: RF_TREES (100), RF_HELPERS (1), RF_REPEATS (15), RF_SIZES (1024,2048,4096,8192,22544).
 * Prints one JSON line and one human line.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMatrix } from '../src/preprocess/matrix.js';
import { RandomForestClassifier } from '../src/models/random-forest/forest.js';
import { packForest } from '../src/models/random-forest/packed-forest.js';
import { ForestPredictPool, POOL_CHUNK_ROWS } from '../src/models/random-forest/predict-pool.js';
import { WasmForestScorer } from '../src/models/random-forest/wasm-scorer.js';
import { median, nslKddMatrices } from './lib/nsl-kdd-matrices.js';

const trees = Number(process.env.RF_TREES ?? 100);
const helpers = Number(process.env.RF_HELPERS ?? 1);
const repeats = Number(process.env.RF_REPEATS ?? 15);
const sizes = (process.env.RF_SIZES ?? '1024,2048,4096,8192,22544').split(',').map(Number);
const load = () => Number(loadavg()[0].toFixed(2));
const loadBefore = load();

const { train, test } = await nslKddMatrices();
const model = new RandomForestClassifier({ nEstimators: trees, nJobs: 2, seed: 1 });
await model.fit(train.x, train.y, { nClasses: train.classes.length });
const scorer = new WasmForestScorer(packForest(model.forest), train.x.cols);
const pool = new ForestPredictPool(helpers);
// Warm-up: until the helpers have booted and taken part in a batch (they then hold the forest).
for (let tries = 0; pool.helperChunks === 0 && tries < 100; tries++) {
  await pool.proba(scorer, test.x);
  await sleep(100);
}

const hash = (data: Float32Array) => createHash('sha256').update(data).digest('hex').slice(0, 16);
const timed = async (run: () => Matrix | Promise<Matrix>) => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return { result, wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
};
type Matrix = ReturnType<typeof createMatrix>;

const rows = sizes.map((size) => {
  const n = Math.min(size, test.x.rows);
  const x = createMatrix(n, test.x.cols, test.x.data.subarray(0, n * test.x.cols));
  const one: { wall: number; cpu: number }[] = [];
  const pooled: { wall: number; cpu: number }[] = [];
  let helperShare = 0;
  let identical = true;
  return async () => {
    for (let r = 0; r < repeats; r++) {
      const a = await timed(() => scorer.proba(x));
      const before = pool.helperChunks;
      const b = await timed(() => pool.proba(scorer, x));
      helperShare += (pool.helperChunks - before) / Math.ceil(n / POOL_CHUNK_ROWS);
      identical &&= hash(a.result.data) === hash(b.result.data);
      one.push(a);
      pooled.push(b);
    }
    const ms = (v: number) => Number((v * 1000).toFixed(2));
    const med = (list: { wall: number; cpu: number }[], key: 'wall' | 'cpu') =>
      ms(median(list.map((t) => t[key])));
    return {
      rows: n,
      oneThread: { wallMs: med(one, 'wall'), cpuMs: med(one, 'cpu') },
      pooled: { wallMs: med(pooled, 'wall'), cpuMs: med(pooled, 'cpu') },
      wallRatio: Number((median(pooled.map((t) => t.wall)) / median(one.map((t) => t.wall))).toFixed(3)),
      helperShareOfChunks: Number((helperShare / repeats).toFixed(3)),
      identical,
    };
  };
});
const results = [];
for (const run of rows) results.push(await run());
await pool.close();
await model.dispose();

console.log(
  JSON.stringify({
    bench: 'forest-predict-threads',
    trees,
    helpers,
    repeats,
    results,
    load: [loadBefore, load()],
  }),
);
console.log(
  `forest predict, ${trees} trees, calling thread + ${helpers} helper(s) vs one thread (median of ${repeats}, load ${loadBefore} → ${load()}): ` +
    results
      .map(
        (r) =>
          `${r.rows} rows ${r.oneThread.wallMs} → ${r.pooled.wallMs} ms wall (×${r.wallRatio}; cpu ${r.oneThread.cpuMs} → ${r.pooled.cpuMs}), helpers took ${(r.helperShareOfChunks * 100).toFixed(0)} %${r.identical ? '' : ' OUTPUTS DIFFER'}`,
      )
      .join('; '),
);
