import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { spawnWorker } from '../../util/spawn-worker.js';
import { gaussianBlobs } from '../contract-cases.js';
import { RandomForestClassifier } from './forest.js';
import { packForest } from './packed-forest.js';
import { ForestPredictPool, POOL_MIN_ROWS } from './predict-pool.js';
import type { PredictWorkerAnswer, PredictWorkerData, ScoreJob } from './predict-protocol.js';
import { forestProba } from './tree.js';
import { CHUNK_ROWS, forestKernelModule, WasmForestScorer } from './wasm-scorer.js';

const COLS = 5;

async function fittedScorer(seed: number): Promise<WasmForestScorer> {
  const blobs = gaussianBlobs({ seed, rows: 300, features: COLS, classes: 3, separation: 1 });
  const model = await new RandomForestClassifier({ nEstimators: 8, nJobs: 0, seed }).fit(blobs.x, blobs.y, {
    nClasses: 3,
  });
  return new WasmForestScorer(packForest(model.forest), COLS);
}

function randomRows(seed: number, rows: number) {
  const random = new Random(seed);
  return createMatrix(
    rows,
    COLS,
    new Float32Array(rows * COLS).map(() => random.normal() * 2),
  );
}

describe('ForestPredictPool', () => {
  const pools = [new ForestPredictPool(1), new ForestPredictPool(2)];
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it.each([1, 2])('with %i helper(s) gives the one-thread probabilities to the bit', async (size) => {
    const pool = pools[size - 1];
    const first = await fittedScorer(1);
    const second = await fittedScorer(2);
    // An odd row count (the last chunk is short), a batch of a single chunk, an empty one, and a second
    // forest then the first again (each helper keeps only the last forest it was sent).
    const cases = [
      { scorer: first, rows: 5 * CHUNK_ROWS + 7 },
      { scorer: first, rows: 3 },
      { scorer: first, rows: 0 },
      { scorer: second, rows: 2 * CHUNK_ROWS + 1 },
      { scorer: first, rows: 4 * CHUNK_ROWS - 1 },
    ];
    for (const [i, { scorer, rows }] of cases.entries()) {
      const x = randomRows(i + 10 * size, rows);
      const shared = await pool.proba(scorer, x);
      expect(shared.rows).toBe(rows);
      expect(shared.cols).toBe(3);
      expect(shared.data.buffer).toBeInstanceOf(ArrayBuffer);
      expect(shared.data).toEqual(scorer.proba(x).data);
    }
  });

  it('scores batches handed to it at the same time', async () => {
    const scorer = await fittedScorer(3);
    const xs = [randomRows(4, 3 * CHUNK_ROWS + 5), randomRows(5, 6 * CHUNK_ROWS + 3)];
    const results = await Promise.all(xs.map((x) => pools[0].proba(scorer, x)));
    results.forEach((r, i) => expect(r.data).toEqual(scorer.proba(xs[i]).data));
  });

  it('refuses a size that is not a positive integer, and use after close', async () => {
    expect(() => new ForestPredictPool(0)).toThrow(/size/);
    const pool = new ForestPredictPool(1);
    await pool.close();
    await expect(pool.proba(await fittedScorer(1), randomRows(1, 10))).rejects.toThrow(/after close/);
  });
});

describe('predict worker', () => {
  it('scores every chunk of a job no other thread takes, to the bit', async () => {
    const scorer = await fittedScorer(4);
    const rows = 3 * CHUNK_ROWS + 11;
    const x = randomRows(6, rows);
    const xShared = new Float32Array(new SharedArrayBuffer(x.data.byteLength));
    xShared.set(x.data);
    const out = new Float32Array(new SharedArrayBuffer(rows * 3 * 4));
    const data: PredictWorkerData = { kernel: forestKernelModule() };
    const worker = spawnWorker(import.meta.url, 'predict-worker', { workerData: data });
    try {
      const job: ScoreJob = {
        kind: 'score',
        job: 1,
        forestId: 7,
        forest: scorer.forest,
        cols: COLS,
        rows,
        chunkRows: CHUNK_ROWS,
        x: xShared,
        out,
        nextChunk: new Int32Array(new SharedArrayBuffer(4)),
      };
      const answer = new Promise<PredictWorkerAnswer>((resolve) => worker.once('message', resolve));
      worker.postMessage(job);
      expect(await answer).toEqual({ kind: 'done', job: 1, chunks: 4 });
      expect(out).toEqual(scorer.proba(x).data);
      // A forest it was never sent is an error it answers with, not a crash.
      const failed = new Promise<PredictWorkerAnswer>((resolve) => worker.once('message', resolve));
      worker.postMessage({ ...job, job: 2, forestId: 8, forest: undefined });
      expect(await failed).toMatchObject({ kind: 'failed', job: 2, error: { message: /never sent/ } });
    } finally {
      await worker.terminate();
    }
  });
});

describe('RandomForestClassifier predict on two threads', () => {
  it('gives forestProba’s probabilities for a batch large enough for the pool', async () => {
    const blobs = gaussianBlobs({ seed: 8, rows: 300, features: COLS, classes: 3, separation: 1 });
    const model = await new RandomForestClassifier({ nEstimators: 8, nJobs: 2, seed: 8 }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
      },
    );
    const x = randomRows(9, POOL_MIN_ROWS + 3);
    expect((await model.predictProba(x)).data).toEqual(forestProba(model.forest, x).data);
  });

  it('leaves nothing that keeps the process alive once predict is done', async () => {
    // A child process predicts through the process-wide pool and never closes it: it must exit by itself.
    const forestUrl = new URL('./forest.ts', import.meta.url).href;
    const script = `
      const { RandomForestClassifier } = await import(${JSON.stringify(forestUrl)});
      const { createMatrix } = await import(${JSON.stringify(new URL('../../preprocess/matrix.ts', import.meta.url).href)});
      const rows = 400;
      const x = createMatrix(rows, 2, Float32Array.from({ length: rows * 2 }, (_, i) => (i * 7919) % 13));
      const y = Int32Array.from({ length: rows }, (_, i) => ((i * 7919) % 13) > 6 ? 1 : 0);
      const model = await new RandomForestClassifier({ nEstimators: 4, nJobs: 2, seed: 1 }).fit(x, y, { nClasses: 2 });
      const big = createMatrix(${POOL_MIN_ROWS}, 2, new Float32Array(${POOL_MIN_ROWS} * 2).fill(3));
      const p = await model.predictProba(big);
      console.log('scored', p.rows);
    `;
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, timeout: 150_000 },
    );
    expect(stdout.trim()).toBe(`scored ${POOL_MIN_ROWS}`);
  }, 180_000);
});
