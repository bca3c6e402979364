import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { IotIdsError } from '../../errors.js';
import { TreeGrower, type GrowParams, type TrainingData } from './grow-tree.js';
import { spawnForestWorker } from './spawn-worker.js';
import type { GrownTree } from './tree.js';
import type { GrowResult, GrowTask } from './worker-protocol.js';

export interface TrainTreesRequest {
  readonly data: TrainingData;
  readonly params: GrowParams;
  /** One seed per tree; tree i depends only on the data and seeds[i], never on which thread grew it. */
  readonly seeds: readonly number[];
  /** Worker threads; 0 grows the trees in the calling thread. */
  readonly nJobs: number;
  readonly onTreeDone?: (done: number, total: number) => void;
  /** Aborting terminates the workers and rejects. */
  readonly signal?: AbortSignal;
}

/** Grows every tree, in worker threads or in the calling thread, and returns them in tree order. */
export async function trainTrees(request: TrainTreesRequest): Promise<GrownTree[]> {
  if (request.nJobs === 0) return trainInThread(request);
  return trainInWorkers(request);
}

async function trainInThread({
  data,
  params,
  seeds,
  onTreeDone,
  signal,
}: TrainTreesRequest): Promise<GrownTree[]> {
  const grower = new TreeGrower(data, params);
  const trees: GrownTree[] = [];
  for (const seed of seeds) {
    if (signal?.aborted) throw cancelled();
    trees.push(grower.grow(seed));
    onTreeDone?.(trees.length, seeds.length);
    // Let progress output and an abort from dispose() through between trees.
    await nextTurn();
  }
  return trees;
}

function trainInWorkers({
  data,
  params,
  seeds,
  nJobs,
  onTreeDone,
  signal,
}: TrainTreesRequest): Promise<GrownTree[]> {
  const total = seeds.length;
  const trees: (GrownTree | undefined)[] = new Array<GrownTree | undefined>(total);
  return new Promise<GrownTree[]>((resolve, reject) => {
    const workers: Worker[] = [];
    let nextTree = 0;
    let done = 0;
    let settled = false;
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolve(trees as GrownTree[]);
    };
    const onAbort = (): void => finish(cancelled());
    const sendNext = (worker: Worker): void => {
      if (nextTree >= total) return;
      const task: GrowTask = { treeIndex: nextTree, seed: seeds[nextTree] };
      nextTree++;
      worker.postMessage(task);
    };
    if (signal?.aborted) return finish(cancelled());
    signal?.addEventListener('abort', onAbort);
    const count = Math.min(nJobs, total);
    for (let w = 0; w < count; w++) {
      let worker: Worker;
      try {
        worker = spawnForestWorker({ data, params });
      } catch (error) {
        return finish(error instanceof Error ? error : new IotIdsError(String(error)));
      }
      workers.push(worker);
      worker.on('message', (result: GrowResult) => {
        if (settled) return;
        trees[result.treeIndex] = result.tree;
        done++;
        onTreeDone?.(done, total);
        if (done === total) finish(null);
        else sendNext(worker);
      });
      worker.on('error', (error) =>
        finish(
          new IotIdsError(`random forest: a training worker failed: ${error.message}`, { cause: error }),
        ),
      );
      worker.on('exit', (code) => {
        if (!settled) finish(new IotIdsError(`random forest: a training worker exited early (code ${code})`));
      });
      sendNext(worker);
    }
  });
}

function cancelled(): IotIdsError {
  return new IotIdsError('random forest: training was cancelled (the model was disposed)');
}
