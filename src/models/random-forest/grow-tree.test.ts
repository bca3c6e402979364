import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { binMatrix, computeBinEdges, packTwoBinColumns } from './binning.js';
import { TreeGrower, type GrowParams, type TrainingData } from './grow-tree.js';

function dataset(seed: number, rows: number, features: number, classes: number) {
  const random = new Random(seed);
  const x = createMatrix(
    rows,
    features,
    new Float32Array(rows * features).map(() => random.int(10)),
  );
  const y = new Int32Array(rows).map(() => random.int(classes));
  const bins = computeBinEdges(x, 255);
  const binned = binMatrix(x, bins, false);
  const data: TrainingData = {
    binned,
    bits: packTwoBinColumns(binned, bins.nBins, rows, false),
    nRows: rows,
    nFeatures: features,
    nBins: bins.nBins,
    y,
  };
  return { x, y, bins, data };
}

const exact = (classes: number, overrides: Partial<GrowParams> = {}): GrowParams => ({
  nClasses: classes,
  classWeights: new Float64Array(classes).fill(1),
  maxDepth: Number.POSITIVE_INFINITY,
  minSamplesLeaf: 1,
  featuresPerSplit: 1_000,
  bootstrap: false,
  ...overrides,
});

/** Σ_children Σ_c n_c² / n for the split x[f] ≤ t. */
function splitScore(x: Float32Array, cols: number, y: Int32Array, k: number, f: number, t: number): number {
  const left = new Array<number>(k).fill(0);
  const right = new Array<number>(k).fill(0);
  y.forEach((c, i) => (x[i * cols + f] <= t ? left : right)[c]++);
  const part = (h: number[]): number => {
    const n = h.reduce((a, b) => a + b, 0);
    return n === 0 ? 0 : h.reduce((a, b) => a + b * b, 0) / n;
  };
  return part(left) + part(right);
}

/** Rows of two-bin (sparse 0/1, like one-hot columns) and many-valued features, labels tied to both. */
function mixedDataset(seed: number, rows: number) {
  const random = new Random(seed);
  const features = 6;
  const x = createMatrix(rows, features, new Float32Array(rows * features));
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * features;
    for (let f = 0; f < 3; f++) x.data[o + f] = random.next() < 0.15 ? 1 : 0;
    for (let f = 3; f < features; f++) x.data[o + f] = random.int(40);
    const signal = x.data[o] + x.data[o + 1] + (x.data[o + 3] > 20 ? 1 : 0);
    y[i] = random.next() < 0.8 ? Math.min(2, signal) : random.int(3);
  }
  const bins = computeBinEdges(x, 255);
  const binned = binMatrix(x, bins, false);
  const data: TrainingData = {
    binned,
    bits: packTwoBinColumns(binned, bins.nBins, rows, false),
    nRows: rows,
    nFeatures: features,
    nBins: bins.nBins,
    y,
  };
  return { x, y, bins, data };
}

describe('TreeGrower', () => {
  it('grows the same trees from two-bin features read as bits as from their byte columns', () => {
    const { data } = mixedDataset(11, 2_000);
    // No packed columns: every feature goes through the byte-column histograms.
    const bytesOnly: TrainingData = {
      ...data,
      bits: { words: new Int32Array(0), wordOffset: new Int32Array(data.nFeatures).fill(-1) },
    };
    expect(Array.from(data.bits.wordOffset).filter((o) => o >= 0)).toHaveLength(3);
    const variants: Partial<GrowParams>[] = [
      { bootstrap: true, featuresPerSplit: 2 },
      { bootstrap: true, featuresPerSplit: 3, minSamplesLeaf: 7 },
      { bootstrap: false, featuresPerSplit: 6, classWeights: Float64Array.from([1, 2.5, 0.5]) },
    ];
    for (const variant of variants) {
      for (const seed of [1, 2]) {
        const a = new TreeGrower(data, exact(3, variant)).grow(seed);
        const b = new TreeGrower(bytesOnly, exact(3, variant)).grow(seed);
        expect(a.feature.length).toBeGreaterThan(20);
        expect(a.feature).toEqual(b.feature);
        expect(a.bin).toEqual(b.bin);
        expect(a.nodeSamples).toEqual(b.nodeSamples);
        expect(a.leafProba).toEqual(b.leafProba);
      }
    }
  });

  it('keeps minSamplesLeaf distinct rows in every leaf when splitting on two-bin features', () => {
    const { data } = mixedDataset(12, 1_500);
    const tree = new TreeGrower(
      data,
      exact(3, { bootstrap: true, minSamplesLeaf: 9, featuresPerSplit: 2 }),
    ).grow(4);
    let twoBinSplits = 0;
    for (let node = 0; node < tree.feature.length; node++) {
      if (tree.feature[node] < 0) expect(tree.nodeSamples[node]).toBeGreaterThanOrEqual(9);
      else if (tree.feature[node] < 3) twoBinSplits++;
    }
    expect(twoBinSplits).toBeGreaterThan(2);
  });

  it('picks a root split as good as the best found by brute force', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { x, y, bins, data } = dataset(seed, 60, 3, 3);
      const tree = new TreeGrower(data, exact(3, { maxDepth: 1 })).grow(seed);
      expect(tree.feature.length).toBe(3);
      const f = tree.feature[0];
      const chosen = splitScore(x.data, 3, y, 3, f, bins.edges[bins.offsets[f] + tree.bin[0]]);
      let best = -Infinity;
      for (let g = 0; g < 3; g++) {
        for (let t = 0; t < 9; t++) best = Math.max(best, splitScore(x.data, 3, y, 3, g, t + 0.5));
      }
      expect(chosen).toBeCloseTo(best, 12);
    }
  });

  it('without bootstrap grows until every leaf is pure when the rows allow it', () => {
    const { data } = dataset(7, 200, 4, 2);
    // Ten values over four features: almost every row is unique, so pure leaves exist.
    const tree = new TreeGrower(data, exact(2)).grow(1);
    const leaves = tree.feature.reduce((n, f) => n + (f < 0 ? 1 : 0), 0);
    expect(tree.leafProba.length).toBe(leaves * 2);
    let impure = 0;
    for (let l = 0; l < leaves; l++) if (tree.leafProba[2 * l] !== 0 && tree.leafProba[2 * l] !== 1) impure++;
    // Only duplicated feature vectors with different labels may stay mixed.
    expect(impure).toBeLessThan(5);
    expect(tree.nodeSamples[0]).toBe(200);
  });

  it('keeps children after their parent and node counts consistent', () => {
    const { data } = dataset(8, 300, 5, 3);
    const tree = new TreeGrower(data, exact(3, { bootstrap: true, featuresPerSplit: 2 })).grow(3);
    for (let node = 0; node < tree.feature.length; node++) {
      if (tree.feature[node] < 0) continue;
      expect(tree.left[node]).toBeGreaterThan(node);
      expect(tree.right[node]).toBeGreaterThan(node);
      expect(tree.nodeSamples[tree.left[node]] + tree.nodeSamples[tree.right[node]]).toBe(
        tree.nodeSamples[node],
      );
    }
    // A bootstrap sample of n rows has about 63 % distinct rows.
    expect(tree.nodeSamples[0]).toBeGreaterThan(150);
    expect(tree.nodeSamples[0]).toBeLessThan(230);
  });
});
