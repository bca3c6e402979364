import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { gaussianBlobs } from '../contract-cases.js';
import { RandomForestClassifier } from './forest.js';
import { FOREST_BIN } from './forest-io.js';
import { treeCount, treeDepth } from './tree.js';

/** y = (x0 > 0) xor (x1 > 0), plus two noise features: no single split helps, so greedy stumps fail. */
function xorSet(seed: number, rows: number): { x: Matrix; y: Int32Array } {
  const random = new Random(seed);
  const data = new Float32Array(rows * 4);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < 4; f++) data[i * 4 + f] = random.next() * 2 - 1;
    y[i] = data[i * 4] > 0 !== data[i * 4 + 1] > 0 ? 1 : 0;
  }
  return { x: createMatrix(rows, 4, data), y };
}

function accuracy(predicted: Int32Array, y: Int32Array): number {
  return predicted.filter((p, i) => p === y[i]).length / y.length;
}

const blobs = gaussianBlobs({ seed: 3, rows: 300, features: 5, classes: 3, separation: 2 });

describe('RandomForestClassifier', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-rf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('learns an XOR pattern and generalises to fresh points', async () => {
    const train = xorSet(1, 600);
    const test = xorSet(2, 400);
    const model = await new RandomForestClassifier({ nEstimators: 30, nJobs: 0 }).fit(train.x, train.y, {
      nClasses: 2,
    });
    expect(accuracy(await model.predict(test.x), test.y)).toBeGreaterThan(0.9);
  });

  it('keeps at least minSamplesLeaf distinct training rows in every leaf', async () => {
    const model = await new RandomForestClassifier({ nEstimators: 10, minSamplesLeaf: 12, nJobs: 0 }).fit(
      blobs.x,
      blobs.y,
      { nClasses: 3 },
    );
    const { feature, nodeSamples } = model.forest;
    let leaves = 0;
    for (let node = 0; node < feature.length; node++) {
      if (feature[node] >= 0) continue;
      leaves++;
      expect(nodeSamples[node]).toBeGreaterThanOrEqual(12);
    }
    expect(leaves).toBeGreaterThan(10);
  });

  it('respects maxDepth', async () => {
    const model = await new RandomForestClassifier({ nEstimators: 10, maxDepth: 3, nJobs: 0 }).fit(
      blobs.x,
      blobs.y,
      { nClasses: 3 },
    );
    const depths = Array.from({ length: treeCount(model.forest) }, (_, t) => treeDepth(model.forest, t));
    expect(Math.max(...depths)).toBe(3);
    const unlimited = await new RandomForestClassifier({ nEstimators: 3, nJobs: 0 }).fit(blobs.x, blobs.y, {
      nClasses: 3,
    });
    expect(treeDepth(unlimited.forest, 0)).toBeGreaterThan(3);
  });

  it("classWeight 'balanced' raises the recall of a rare class", async () => {
    // Two overlapping classes, 5 % minority; leaves of ≥ 15 rows are mixed, so weights decide them.
    const make = (seed: number): { x: Matrix; y: Int32Array } => {
      const random = new Random(seed);
      const rows = 2000;
      const data = new Float32Array(rows * 3);
      const y = new Int32Array(rows);
      for (let i = 0; i < rows; i++) {
        y[i] = i % 20 === 0 ? 1 : 0;
        for (let f = 0; f < 3; f++) data[i * 3 + f] = random.normal() + (y[i] === 1 && f < 2 ? 1.5 : 0);
      }
      return { x: createMatrix(rows, 3, data), y };
    };
    const train = make(1);
    const test = make(2);
    const recall = async (classWeight: 'balanced' | null): Promise<number> => {
      const model = new RandomForestClassifier({
        nEstimators: 20,
        minSamplesLeaf: 15,
        classWeight,
        nJobs: 0,
      });
      await model.fit(train.x, train.y, { nClasses: 2 });
      const predicted = await model.predict(test.x);
      let hit = 0;
      let total = 0;
      for (let i = 0; i < test.y.length; i++) {
        if (test.y[i] !== 1) continue;
        total++;
        if (predicted[i] === 1) hit++;
      }
      return hit / total;
    };
    const plain = await recall(null);
    const balanced = await recall('balanced');
    expect(balanced).toBeGreaterThan(plain + 0.2);
  });

  it('grows the same forest with 0, 1 or 2 workers and reports every tree', async () => {
    const forests = [];
    for (const nJobs of [0, 1, 2]) {
      const progress: number[] = [];
      const model = new RandomForestClassifier({ nEstimators: 7, seed: 42, nJobs });
      await model.fit(blobs.x, blobs.y, { nClasses: 3, onProgress: (done) => progress.push(done) });
      expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
      forests.push(model.forest);
    }
    for (const forest of forests.slice(1)) {
      expect(forest.feature).toEqual(forests[0].feature);
      expect(forest.threshold).toEqual(forests[0].threshold);
      expect(forest.left).toEqual(forests[0].left);
      expect(forest.leafProba).toEqual(forests[0].leafProba);
    }
  });

  it('rejects a fit cancelled by dispose', async () => {
    const model = new RandomForestClassifier({ nEstimators: 200, nJobs: 1 });
    const fitting = model.fit(blobs.x, blobs.y, { nClasses: 3 });
    await model.dispose();
    await expect(fitting).rejects.toThrow(/cancelled/);
    expect(model.fitted).toBe(false);
  });

  it('rejects invalid options, naming the option', () => {
    expect(() => new RandomForestClassifier({ nEstimators: 0 })).toThrow(/"nEstimators"/);
    expect(() => new RandomForestClassifier({ maxBins: 300 })).toThrow(/"maxBins"/);
    expect(() => new RandomForestClassifier({ maxDepth: 0 })).toThrow(/"maxDepth"/);
    expect(() => new RandomForestClassifier({ maxFeatures: 2.5 })).toThrow(/"maxFeatures"/);
    expect(() => new RandomForestClassifier({ classWeight: [1, -1] })).toThrow(/"classWeight.1"/);
    expect(() => new RandomForestClassifier({ nJobs: -1 })).toThrow(IotIdsError);
    expect(() => new RandomForestClassifier({ trees: 3 } as never)).toThrow(/unknown option "trees"/);
  });

  it('rejects bad training and prediction input', async () => {
    const model = new RandomForestClassifier({ nEstimators: 2, nJobs: 0 });
    await expect(model.fit(blobs.x, blobs.y, { nClasses: 2 })).rejects.toThrow(/label 2 .* outside \[0, 2\)/);
    const withNaN = createMatrix(blobs.x.rows, blobs.x.cols, blobs.x.data.slice());
    withNaN.data[7] = Number.NaN;
    await expect(model.fit(withNaN, blobs.y, { nClasses: 3 })).rejects.toThrow(
      /row 1, column 2 is not finite/,
    );
    await expect(model.fit(blobs.x, blobs.y, { nClasses: 3, onProgress: () => {} })).resolves.toBe(model);
    await expect(model.predict(createMatrix(1, 4))).rejects.toThrow(/4 features.*trained on 5/);
    await expect(
      new RandomForestClassifier({ maxFeatures: 9, nJobs: 0 }).fit(blobs.x, blobs.y, { nClasses: 3 }),
    ).rejects.toThrow(/"maxFeatures" is 9 but the data has only 5 features/);
  });

  it('load names forest.bin when its content is corrupt and forest.json when it is missing', async () => {
    const model = await new RandomForestClassifier({ nEstimators: 3, nJobs: 0 }).fit(blobs.x, blobs.y, {
      nClasses: 3,
    });
    const saveDir = join(dir, 'corrupt');
    await model.save(saveDir);
    const binPath = join(saveDir, FOREST_BIN);
    const bytes = await readFile(binPath);
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(binPath, bytes);
    await expect(RandomForestClassifier.load(saveDir, model.options)).rejects.toThrow(
      /forest\.bin.*checksum/,
    );
    await expect(RandomForestClassifier.load(join(dir, 'missing'), model.options)).rejects.toThrow(
      /forest\.json/,
    );
  });
});
