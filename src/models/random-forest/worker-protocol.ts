import type { GrowParams, TrainingData } from './grow-tree.js';
import type { GrownTree } from './tree.js';

/**
 * Main thread → worker, first message: the data and parameters every tree of this fit is grown on (typed
 * arrays over SharedArrayBuffers are shared, not copied). Workers are started before the data is binned,
 * so their start-up overlaps the binning; this message follows once the data is ready.
 */
export interface InitMessage {
  readonly kind: 'init';
  readonly data: TrainingData;
  readonly params: GrowParams;
}

/** Main thread → worker: grow one tree. */
export interface GrowTask {
  readonly kind: 'grow';
  readonly treeIndex: number;
  readonly seed: number;
}

export type WorkerMessage = InitMessage | GrowTask;

/** Worker → main thread: the grown tree (its buffers are transferred). */
export interface GrowResult {
  readonly treeIndex: number;
  readonly tree: GrownTree;
}

export function transferablesOf(tree: GrownTree): ArrayBuffer[] {
  return [tree.feature, tree.bin, tree.left, tree.right, tree.nodeSamples, tree.leafProba].map(
    (a) => a.buffer as ArrayBuffer,
  );
}
