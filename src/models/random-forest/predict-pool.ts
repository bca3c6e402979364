import type { Worker } from 'node:worker_threads';
import { IotIdsError } from '../../errors.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { errorFromThread } from '../../util/thread-error.js';
import { spawnWorker } from '../../util/spawn-worker.js';
import {
  claimChunk,
  type PredictWorkerAnswer,
  type PredictWorkerData,
  type ScoreJob,
} from './predict-protocol.js';
import { CHUNK_ROWS, forestKernelModule, type WasmForestScorer } from './wasm-scorer.js';

/**
 * Batches with fewer rows than this are scored in the calling thread alone: below it, copying the rows to
 * shared memory and waking a worker cost about what the worker saves (measured in docs/benchmarks.md,
 * "Predict on two threads").
 */
export const POOL_MIN_ROWS = 4096;

/**
 * Rows a chunk of a shared batch. Half the scorer's own chunk: when one thread runs out of chunks it waits
 * for the others' last ones, and on a loaded machine a thread may be descheduled in the middle of one, so
 * smaller chunks mean a shorter wait at the end (and the calls cost little more).
 */
export const POOL_CHUNK_ROWS = CHUNK_ROWS / 2;

interface Helper {
  readonly worker: Worker;
  /** The forest this worker was last sent (it keeps only that one). */
  forestId: number;
}

interface PendingJob {
  /** Chunks the helpers have reported done so far. */
  reported: number;
  /** Chunks left to the helpers once the calling thread has run out of chunks (Infinity until then). */
  needed: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Kept-alive worker threads that help the calling thread score one batch with a forest's WebAssembly
 * kernel. The batch is cut into chunks of POOL_CHUNK_ROWS rows; the calling thread and every helper take chunks
 * one at a time from a shared counter until none is left, so a helper that starts late (still booting, or
 * waiting for a core on a loaded machine) takes fewer chunks and the calling thread more. Each row's
 * probabilities depend on that row alone: the output is the one-thread output to the bit, however the
 * chunks fall.
 *
 * Helpers start on the first batch and stay for the next ones (each keeps the last forest it was sent and
 * the kernel compiled once by this thread); they hold the process open only while a batch is being scored.
 */
export class ForestPredictPool {
  private readonly helpers: Helper[] = [];
  private readonly jobs = new Map<number, PendingJob>();
  private readonly forestIds = new WeakMap<WasmForestScorer, number>();
  private nextJob = 1;
  private scoredByHelpers = 0;
  private nextForest = 1;
  private closed = false;

  /** `size` helper threads besides the calling thread (at least one). */
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new IotIdsError(`random forest predict pool: size must be an integer ≥ 1, not ${size}`);
    }
  }

  /** Chunks the helpers have scored so far, over every batch (how the work was shared: see the bench). */
  get helperChunks(): number {
    return this.scoredByHelpers;
  }

  /** `scorer.proba(x)`, computed by the calling thread and the helpers together. */
  async proba(scorer: WasmForestScorer, x: Matrix): Promise<Matrix> {
    if (this.closed) throw new IotIdsError('random forest predict pool: used after close()');
    const k = scorer.forest.nClasses;
    const rows = x.rows;
    const xShared = onSharedMemory(x.data);
    const out = new Float32Array(new SharedArrayBuffer(rows * k * 4));
    const nextChunk = new Int32Array(new SharedArrayBuffer(4));
    const forestId = this.idOf(scorer);
    const job = this.nextJob++;
    const finished = new Promise<void>((resolve, reject) => {
      this.jobs.set(job, { reported: 0, needed: Number.POSITIVE_INFINITY, resolve, reject });
    });
    this.startHelpers();
    for (const helper of this.helpers) {
      const message: ScoreJob = {
        kind: 'score',
        job,
        forestId,
        forest: helper.forestId === forestId ? undefined : scorer.forest,
        cols: x.cols,
        rows,
        chunkRows: POOL_CHUNK_ROWS,
        x: xShared,
        out,
        nextChunk,
      };
      helper.forestId = forestId;
      helper.worker.ref();
      helper.worker.postMessage(message);
    }
    let mine = 0;
    try {
      for (let start = claimChunk(nextChunk, rows, POOL_CHUNK_ROWS); start !== null;) {
        scorer.scoreChunk(xShared, start, Math.min(POOL_CHUNK_ROWS, rows - start), out);
        mine++;
        start = claimChunk(nextChunk, rows, POOL_CHUNK_ROWS);
      }
      const pending = this.jobs.get(job);
      if (pending) {
        pending.needed = Math.ceil(rows / POOL_CHUNK_ROWS) - mine;
        if (pending.reported >= pending.needed) this.settle(job, null);
      }
      await finished;
    } finally {
      this.jobs.delete(job);
      // Helpers still busy with this job (a late one finds no chunk left) must not keep the process alive.
      if (this.jobs.size === 0) for (const helper of this.helpers) helper.worker.unref();
    }
    return createMatrix(rows, k, new Float32Array(out));
  }

  /** Stops the helpers; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const helpers = this.helpers.splice(0);
    await Promise.all(helpers.map((h) => h.worker.terminate()));
  }

  private idOf(scorer: WasmForestScorer): number {
    let id = this.forestIds.get(scorer);
    if (id === undefined) {
      id = this.nextForest++;
      this.forestIds.set(scorer, id);
    }
    return id;
  }

  private startHelpers(): void {
    if (this.helpers.length > 0) return;
    const workerData: PredictWorkerData = { kernel: forestKernelModule() };
    for (let h = 0; h < this.size; h++) {
      const worker = spawnWorker(import.meta.url, 'predict-worker', { workerData });
      const helper: Helper = { worker, forestId: 0 };
      worker.on('message', (answer: PredictWorkerAnswer) => this.onAnswer(answer));
      worker.on('error', (error) =>
        this.fail(
          helper,
          new IotIdsError(`random forest: a predict worker failed: ${error.message}`, { cause: error }),
        ),
      );
      worker.on('exit', (code) =>
        this.fail(helper, new IotIdsError(`random forest: a predict worker exited (code ${code})`)),
      );
      this.helpers.push(helper);
    }
  }

  private onAnswer(answer: PredictWorkerAnswer): void {
    const pending = this.jobs.get(answer.job);
    if (!pending) return;
    if (answer.kind === 'failed') {
      this.settle(answer.job, errorFromThread(answer.error, [IotIdsError]));
      return;
    }
    pending.reported += answer.chunks;
    this.scoredByHelpers += answer.chunks;
    if (pending.reported >= pending.needed) this.settle(answer.job, null);
  }

  /** A helper that died may have taken chunks it never scored: every batch in flight fails. */
  private fail(helper: Helper, error: Error): void {
    if (!this.helpers.includes(helper)) return;
    // The next batch starts a full set of helpers again; the exits of these ones are expected.
    for (const h of this.helpers.splice(0)) void h.worker.terminate();
    for (const job of [...this.jobs.keys()]) this.settle(job, error);
  }

  private settle(job: number, error: Error | null): void {
    const pending = this.jobs.get(job);
    if (!pending) return;
    this.jobs.delete(job);
    if (error) pending.reject(error);
    else pending.resolve();
  }
}

/** `data` itself when it already lives on a SharedArrayBuffer, else a copy on one. */
function onSharedMemory(data: Float32Array): Float32Array {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const copy = new Float32Array(new SharedArrayBuffer(data.byteLength));
  copy.set(data);
  return copy;
}

const sharedPools = new Map<number, ForestPredictPool>();

/** The process's pool of `size` helpers, started on first use and kept (idle helpers do not hold the process). */
export function sharedPredictPool(size: number): ForestPredictPool {
  let pool = sharedPools.get(size);
  if (pool === undefined) {
    pool = new ForestPredictPool(size);
    sharedPools.set(size, pool);
  }
  return pool;
}
