import type { GrowParams, TrainingData } from './grow-tree.js';
import type { GrownTree } from './tree.js';

/** What every forest worker starts with (typed arrays over SharedArrayBuffers are shared, not copied). */
export interface WorkerInit {
  readonly data: TrainingData;
  readonly params: GrowParams;
}

/** Main thread → worker: grow one tree. */
export interface GrowTask {
  readonly treeIndex: number;
  readonly seed: number;
}

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
