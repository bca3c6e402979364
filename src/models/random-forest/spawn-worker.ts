import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../util/spawn-worker.js';

/** Starts a forest worker (`worker.ts`); it waits for an `init` message with the data (worker-protocol.ts). */
export function spawnForestWorker(): Worker {
  return spawnWorker(import.meta.url, 'worker');
}
