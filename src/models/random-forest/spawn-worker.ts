import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../util/spawn-worker.js';
import type { WorkerInit } from './worker-protocol.js';

/** Starts a forest worker (`worker.ts`), which grows the trees it is sent on `init`'s data. */
export function spawnForestWorker(init: WorkerInit): Worker {
  return spawnWorker(import.meta.url, 'worker', { workerData: init });
}
