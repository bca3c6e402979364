import { parentPort, workerData } from 'node:worker_threads';
import { IotIdsError } from '../../errors.js';
import { errorToThread } from '../../util/thread-error.js';
import type { PackedForest } from './packed-forest.js';
import {
  claimChunk,
  type PredictWorkerAnswer,
  type PredictWorkerData,
  type ScoreJob,
} from './predict-protocol.js';
import { adoptForestKernel, WasmForestScorer } from './wasm-scorer.js';

// Entry point of a predict worker (predict-pool.ts): helps the calling thread score large batches. It keeps
// the last forest it was sent and builds that forest's scorer on the first chunk it takes.
const port = parentPort;
if (!port) throw new IotIdsError('random-forest/predict-worker.ts must run in a worker thread');
adoptForestKernel((workerData as PredictWorkerData).kernel);
let forest: { id: number; packed: PackedForest; cols: number } | null = null;
let scorer: WasmForestScorer | null = null;

port.on('message', (job: ScoreJob) => {
  let answer: PredictWorkerAnswer;
  try {
    if (job.forest) {
      forest = { id: job.forestId, packed: job.forest, cols: job.cols };
      scorer = null;
    }
    if (forest?.id !== job.forestId) {
      throw new IotIdsError(`random forest predict worker: forest ${job.forestId} was never sent`);
    }
    let chunks = 0;
    for (let start = claimChunk(job.nextChunk, job.rows, job.chunkRows); start !== null;) {
      scorer ??= new WasmForestScorer(forest.packed, forest.cols);
      scorer.scoreChunk(job.x, start, Math.min(job.chunkRows, job.rows - start), job.out);
      chunks++;
      start = claimChunk(job.nextChunk, job.rows, job.chunkRows);
    }
    answer = { kind: 'done', job: job.job, chunks };
  } catch (error) {
    answer = { kind: 'failed', job: job.job, error: errorToThread(error) };
  }
  port.postMessage(answer);
});
