import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { IotIdsError } from '../../errors.js';
import { TreeGrower, type GrowParams, type TrainingData } from './grow-tree.js';
import { spawnForestWorker } from './spawn-worker.js';
import type { GrownTree } from './tree.js';
import type { GrowResult, GrowTask, InitMessage } from './worker-protocol.js';

export interface TrainTreesRequest {
  readonly data: TrainingData;
  readonly params: GrowParams;
  /** One seed per tree; tree i depends only on the data and seeds[i], never on which thread grew it. */
  readonly seeds: readonly number[];
  /** Worker threads started by TreeWorkers.start; null grows the trees in the calling thread. */
  readonly workers: TreeWorkers | null;
  readonly onTreeDone?: (done: number, total: number) => void;
  /** Aborting rejects (and the caller terminates the workers). */
  readonly signal?: AbortSignal;
}

/** Grows every tree, in worker threads or in the calling thread, and returns them in tree order. */
export async function trainTrees(request: TrainTreesRequest): Promise<GrownTree[]> {
  if (!request.workers) return trainInThread(request);
  return request.workers.grow(request);
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

/**
 * The worker threads of one fit. They are started before the data is binned, so their start-up (loading
 * modules; compiling TypeScript when run from sources) overlaps the binning on the calling thread; `grow`
 * sends them the data once it is ready. A worker that fails before `grow` is reported by `grow`.
 */
export class TreeWorkers {
  private readonly workers: Worker[] = [];
  private failure: Error | null = null;
  private onFailure: ((error: Error) => void) | null = null;
  private onResult: ((worker: Worker, result: GrowResult) => void) | null = null;
  private terminated = false;

  private constructor(count: number) {
    try {
      for (let w = 0; w < count; w++) this.workers.push(this.spawn());
    } catch (error) {
      void this.terminate();
      throw error;
    }
  }

  /** Starts `count` workers (at least one). */
  static start(count: number): TreeWorkers {
    return new TreeWorkers(Math.max(1, count));
  }

  grow({ data, params, seeds, onTreeDone, signal }: TrainTreesRequest): Promise<GrownTree[]> {
    const total = seeds.length;
    const trees: (GrownTree | undefined)[] = new Array<GrownTree | undefined>(total);
    return new Promise<GrownTree[]>((resolve, reject) => {
      let nextTree = 0;
      let done = 0;
      let settled = false;
      const finish = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.onFailure = null;
        this.onResult = null;
        if (error) reject(error);
        else resolve(trees as GrownTree[]);
      };
      const onAbort = (): void => finish(cancelled());
      const sendNext = (worker: Worker): void => {
        if (nextTree >= total) return;
        const task: GrowTask = { kind: 'grow', treeIndex: nextTree, seed: seeds[nextTree] };
        nextTree++;
        worker.postMessage(task);
      };
      if (this.failure) return finish(this.failure);
      if (signal?.aborted) return finish(cancelled());
      signal?.addEventListener('abort', onAbort);
      this.onFailure = finish;
      this.onResult = (worker, result) => {
        trees[result.treeIndex] = result.tree;
        done++;
        onTreeDone?.(done, total);
        if (done === total) finish(null);
        else sendNext(worker);
      };
      const init: InitMessage = { kind: 'init', data, params };
      for (const worker of this.workers.slice(0, total)) {
        worker.postMessage(init);
        sendNext(worker);
      }
    });
  }

  /** Stops the workers; resolves once their threads are gone (so their teardown is counted in the fit). */
  async terminate(): Promise<void> {
    this.terminated = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = spawnForestWorker();
    const fail = (error: Error): void => {
      this.failure ??= error;
      this.onFailure?.(error);
    };
    worker.on('message', (result: GrowResult) => this.onResult?.(worker, result));
    worker.on('error', (error) =>
      fail(new IotIdsError(`random forest: a training worker failed: ${error.message}`, { cause: error })),
    );
    worker.on('exit', (code) => {
      if (!this.terminated)
        fail(new IotIdsError(`random forest: a training worker exited early (code ${code})`));
    });
    return worker;
  }
}

function cancelled(): IotIdsError {
  return new IotIdsError('random forest: training was cancelled (the model was disposed)');
}
