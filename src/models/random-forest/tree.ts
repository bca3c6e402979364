import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import type { BinEdges } from './binning.js';

/**
 * One tree as grown on binned data (what a worker sends back). Nodes are in pre-order, so children always
 * come after their parent; leaves have feature −1 and their class distributions are in `leafProba` in node
 * order.
 */
export interface GrownTree {
  readonly feature: Int32Array;
  /** Split bin: rows with bin ≤ this go left. */
  readonly bin: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Distinct training rows that reached the node. */
  readonly nodeSamples: Int32Array;
  /** nLeaves × nClasses weighted class fractions. */
  readonly leafProba: Float32Array;
}

/**
 * The whole forest as flat typed arrays (a few MB for 100 trees, and one binary file on disk). Node indices
 * are global; tree t owns nodes [treeStarts[t], treeStarts[t + 1]) and its root is the first of them.
 */
export interface Forest {
  readonly nClasses: number;
  readonly nFeatures: number;
  readonly treeStarts: Int32Array;
  /** Split feature, −1 for a leaf. */
  readonly feature: Int32Array;
  /** Rows with x[feature] ≤ threshold go left. */
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Offset of a leaf's class distribution in `leafProba`; −1 for an internal node. */
  readonly value: Int32Array;
  readonly nodeSamples: Int32Array;
  readonly leafProba: Float32Array;
}

export function treeCount(forest: Forest): number {
  return forest.treeStarts.length - 1;
}

/** Joins grown trees (in tree order) into one forest, turning split bins into raw-value thresholds. */
export function assembleForest(trees: readonly GrownTree[], bins: BinEdges, nClasses: number): Forest {
  const nFeatures = bins.nBins.length;
  const treeStarts = new Int32Array(trees.length + 1);
  let nLeafValues = 0;
  trees.forEach((t, i) => {
    treeStarts[i + 1] = treeStarts[i] + t.feature.length;
    nLeafValues += t.leafProba.length;
  });
  const nNodes = treeStarts[trees.length];
  const feature = new Int32Array(nNodes);
  const threshold = new Float32Array(nNodes);
  const left = new Int32Array(nNodes);
  const right = new Int32Array(nNodes);
  const value = new Int32Array(nNodes);
  const nodeSamples = new Int32Array(nNodes);
  const leafProba = new Float32Array(nLeafValues);
  let valueBase = 0;
  trees.forEach((tree, t) => {
    const base = treeStarts[t];
    leafProba.set(tree.leafProba, valueBase);
    let leafOffset = valueBase;
    for (let j = 0; j < tree.feature.length; j++) {
      const node = base + j;
      const f = tree.feature[j];
      feature[node] = f;
      nodeSamples[node] = tree.nodeSamples[j];
      if (f < 0) {
        left[node] = right[node] = -1;
        value[node] = leafOffset;
        leafOffset += nClasses;
      } else {
        threshold[node] = bins.edges[bins.offsets[f] + tree.bin[j]];
        left[node] = base + tree.left[j];
        right[node] = base + tree.right[j];
        value[node] = -1;
      }
    }
    valueBase += tree.leafProba.length;
  });
  return { nClasses, nFeatures, treeStarts, feature, threshold, left, right, value, nodeSamples, leafProba };
}

/** Mean over trees of the leaf class distributions each row lands in (as scikit-learn's predict_proba). */
export function forestProba(forest: Forest, x: Matrix): Matrix {
  const { feature, threshold, left, right, value, leafProba, nClasses: k } = forest;
  const { rows, cols, data } = x;
  const nTrees = treeCount(forest);
  const sums = new Float64Array(rows * k);
  // Tree-major: one tree's arrays stay in cache while all rows go through it.
  for (let t = 0; t < nTrees; t++) {
    const root = forest.treeStarts[t];
    for (let i = 0; i < rows; i++) {
      const base = i * cols;
      let node = root;
      let f = feature[node];
      while (f >= 0) {
        node = data[base + f] <= threshold[node] ? left[node] : right[node];
        f = feature[node];
      }
      const v = value[node];
      const o = i * k;
      for (let c = 0; c < k; c++) sums[o + c] += leafProba[v + c];
    }
  }
  const out = new Float32Array(rows * k);
  for (let j = 0; j < out.length; j++) out[j] = sums[j] / nTrees;
  return createMatrix(rows, k, out);
}

/** Depth of tree `t` (a lone root has depth 0). */
export function treeDepth(forest: Forest, t: number): number {
  const start = forest.treeStarts[t];
  const end = forest.treeStarts[t + 1];
  const depth = new Int32Array(end - start);
  let max = 0;
  // Pre-order: a parent's depth is known before its children are reached.
  for (let node = start; node < end; node++) {
    const d = depth[node - start];
    if (d > max) max = d;
    if (forest.feature[node] >= 0) {
      depth[forest.left[node] - start] = d + 1;
      depth[forest.right[node] - start] = d + 1;
    }
  }
  return max;
}

/**
 * Checks what predict relies on, so a damaged file fails here and not with an endless loop or garbage:
 * children after their parent and inside the tree, features and leaf offsets in range.
 * Returns a description of the first problem, or null.
 */
export function forestProblem(forest: Forest): string | null {
  const { feature, left, right, value, treeStarts, nFeatures, nClasses, leafProba } = forest;
  const nNodes = feature.length;
  if (treeStarts[0] !== 0 || treeStarts[treeStarts.length - 1] !== nNodes)
    return 'tree offsets do not cover the nodes';
  for (let t = 0; t + 1 < treeStarts.length; t++) {
    const start = treeStarts[t];
    const end = treeStarts[t + 1];
    if (end <= start) return `tree ${t} has no nodes`;
    for (let node = start; node < end; node++) {
      const f = feature[node];
      if (f < 0) {
        if (f !== -1 || value[node] < 0 || value[node] + nClasses > leafProba.length) {
          return `leaf ${node} has an invalid class distribution offset`;
        }
      } else if (f >= nFeatures) {
        return `node ${node} splits on feature ${f} of ${nFeatures}`;
      } else if (left[node] <= node || right[node] <= node || left[node] >= end || right[node] >= end) {
        return `node ${node} has children outside its tree`;
      }
    }
  }
  return null;
}
