import { IotIdsError } from '../../errors.js';
import type { Forest } from './tree.js';

/**
 * The forest laid out for scoring. Each node's two children sit side by side (right = left + 1), so a step
 * down is `child + (x > threshold)` with no branch to mispredict, and a leaf steps to itself (feature 0,
 * threshold +∞, child = the leaf), so every row can take the same number of steps (its tree's depth) and
 * several rows can go down one tree together. Inputs must be finite (predict checks), as x ≤ +∞ must hold.
 */
export interface PackedForest {
  readonly nClasses: number;
  readonly nTrees: number;
  /** Root node of each tree. */
  readonly roots: Int32Array;
  /** Steps from each tree's root to its deepest leaf. */
  readonly depths: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  /** Internal node: its left child (the right one follows it). Leaf: itself. */
  readonly child: Int32Array;
  /** Offset of a leaf's class distribution in leafProba (−1 for internal nodes). */
  readonly leafValue: Int32Array;
  readonly leafProba: Float32Array;
}

/**
 * Re-lays `forest` out as a PackedForest (children side by side, breadth first within each tree; node
 * indices stay within each tree's range). Expects a forest forestProblem accepts.
 */
export function packForest(forest: Forest): PackedForest {
  const nTrees = forest.treeStarts.length - 1;
  const nNodes = forest.feature.length;
  const feature = new Int32Array(nNodes);
  const threshold = new Float32Array(nNodes);
  const child = new Int32Array(nNodes);
  const leafValue = new Int32Array(nNodes);
  const roots = new Int32Array(nTrees);
  const depths = new Int32Array(nTrees);
  // Breadth first: queue[q] is the original node placed at packed index q (within the forest).
  const queue = new Int32Array(nNodes);
  const depthOf = new Int32Array(nNodes);
  for (let t = 0; t < nTrees; t++) {
    const start = forest.treeStarts[t];
    const end = forest.treeStarts[t + 1];
    roots[t] = start;
    queue[start] = start;
    depthOf[start] = 0;
    let placed = start + 1;
    let maxDepth = 0;
    for (let q = start; q < placed; q++) {
      const node = queue[q];
      const d = depthOf[q];
      if (d > maxDepth) maxDepth = d;
      const f = forest.feature[node];
      if (f < 0) {
        feature[q] = 0;
        threshold[q] = Number.POSITIVE_INFINITY;
        child[q] = q;
        leafValue[q] = forest.value[node];
        continue;
      }
      // Only a node reached twice (a damaged file that forestProblem lets through) could overflow the tree.
      if (placed + 2 > end) throw new IotIdsError(`random forest: tree ${t} reaches a node twice`);
      feature[q] = f;
      // −0 compares like +0; stored as +0 so the layout holds one zero.
      threshold[q] = forest.threshold[node] + 0;
      child[q] = placed;
      leafValue[q] = -1;
      queue[placed] = forest.left[node];
      queue[placed + 1] = forest.right[node];
      depthOf[placed] = depthOf[placed + 1] = d + 1;
      placed += 2;
    }
    depths[t] = maxDepth;
  }
  return {
    nClasses: forest.nClasses,
    nTrees,
    roots,
    depths,
    feature,
    threshold,
    child,
    leafValue,
    leafProba: forest.leafProba,
  };
}
