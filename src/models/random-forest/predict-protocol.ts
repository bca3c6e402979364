import type { ThreadErrorData } from '../../util/thread-error.js';
import type { PackedForest } from './packed-forest.js';

/** Data a predict worker starts with: the kernel its parent compiled, so the worker does not compile it. */
export interface PredictWorkerData {
  readonly kernel: WebAssembly.Module;
}

/**
 * Main thread → predict worker: help score one batch. Every array lives on a SharedArrayBuffer: the worker
 * takes chunk after chunk (`Atomics.add` on `nextChunk[0]`, as the calling thread does) until none is left,
 * scores each into its rows of `out`, then answers with a ScoreDone.
 */
export interface ScoreJob {
  readonly kind: 'score';
  readonly job: number;
  /** Which forest to score with; its packed arrays come along the first time this worker sees it. */
  readonly forestId: number;
  readonly forest?: PackedForest;
  readonly cols: number;
  readonly rows: number;
  /** Rows a chunk (≤ the scorer's CHUNK_ROWS). */
  readonly chunkRows: number;
  readonly x: Float32Array;
  readonly out: Float32Array;
  readonly nextChunk: Int32Array;
}

/** Predict worker → main thread: how many chunks of the job this worker scored (all written to `out`). */
export interface ScoreDone {
  readonly kind: 'done';
  readonly job: number;
  readonly chunks: number;
}

export interface ScoreFailed {
  readonly kind: 'failed';
  readonly job: number;
  readonly error: ThreadErrorData;
}

export type PredictWorkerAnswer = ScoreDone | ScoreFailed;

/** Takes the next unscored chunk of a job (shared by every thread working on it); null when none is left. */
export function claimChunk(nextChunk: Int32Array, rows: number, chunkRows: number): number | null {
  const start = Atomics.add(nextChunk, 0, 1) * chunkRows;
  return start < rows ? start : null;
}
