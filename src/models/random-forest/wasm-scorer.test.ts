import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { gaussianBlobs } from '../contract-cases.js';
import { RandomForestClassifier } from './forest.js';
import { packForest } from './packed-forest.js';
import { forestProba, type Forest } from './tree.js';
import { WasmForestScorer } from './wasm-scorer.js';

async function fittedForest(seed: number): Promise<{ forest: Forest; cols: number }> {
  const blobs = gaussianBlobs({ seed, rows: 400, features: 6, classes: 4, separation: 1 });
  const model = await new RandomForestClassifier({ nEstimators: 12, nJobs: 0, seed }).fit(blobs.x, blobs.y, {
    nClasses: 4,
  });
  return { forest: model.forest, cols: 6 };
}

/** Rows around and far outside the training range, so every branch and both edge bins are taken. */
function rowsToScore(seed: number, rows: number, cols: number) {
  const random = new Random(seed);
  const data = new Float32Array(rows * cols).map(() =>
    random.next() < 0.05 ? (random.next() - 0.5) * 2e6 : random.normal() * 3,
  );
  return createMatrix(rows, cols, data);
}

describe('WasmForestScorer', () => {
  it('gives exactly forestProba’s probabilities, for any number of rows', async () => {
    const { forest, cols } = await fittedForest(5);
    const scorer = new WasmForestScorer(packForest(forest), cols);
    // Fewer rows than the kernel's lanes, not a multiple of them, and more than one chunk.
    for (const rows of [0, 1, 7, 8, 9, 100, 2_501]) {
      const x = rowsToScore(rows, rows, cols);
      const reference = forestProba(forest, x);
      const scored = scorer.proba(x);
      expect(scored.rows).toBe(rows);
      expect(scored.cols).toBe(4);
      expect(scored.data).toEqual(reference.data);
    }
  });

  it('scores a saved and reloaded forest the same', async () => {
    const { forest, cols } = await fittedForest(6);
    const copy: Forest = {
      ...forest,
      threshold: forest.threshold.slice(),
      leafProba: forest.leafProba.slice(),
    };
    const x = rowsToScore(9, 300, cols);
    expect(new WasmForestScorer(packForest(copy), cols).proba(x).data).toEqual(forestProba(forest, x).data);
  });
});

describe('packForest', () => {
  it('puts children side by side and makes leaves step to themselves', async () => {
    const { forest } = await fittedForest(7);
    const packed = packForest(forest);
    expect(packed.nTrees).toBe(12);
    let leaves = 0;
    for (let node = 0; node < packed.feature.length; node++) {
      if (packed.leafValue[node] >= 0) {
        leaves++;
        expect(packed.child[node]).toBe(node);
        expect(packed.threshold[node]).toBe(Number.POSITIVE_INFINITY);
      } else {
        expect(packed.child[node]).toBeGreaterThan(node);
      }
    }
    expect(leaves * forest.nClasses).toBe(forest.leafProba.length);
  });

  it('rejects a tree that reaches a node twice', () => {
    // Root 0 splits into 1 and 2; node 1 points to node 2 again (children after parents, so forestProblem
    // would not see it), which would make a tree of 3 nodes need 5 places.
    const forest: Forest = {
      nClasses: 2,
      nFeatures: 1,
      treeStarts: Int32Array.from([0, 3]),
      feature: Int32Array.from([0, 0, -1]),
      threshold: Float32Array.from([0.5, 0.2, 0]),
      left: Int32Array.from([1, 2, -1]),
      right: Int32Array.from([2, 2, -1]),
      value: Int32Array.from([-1, -1, 0]),
      nodeSamples: Int32Array.from([3, 2, 1]),
      leafProba: Float32Array.from([1, 0]),
    };
    expect(() => packForest(forest)).toThrow(IotIdsError);
  });
});
