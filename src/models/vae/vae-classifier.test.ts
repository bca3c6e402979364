import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, liveTensorCount } from '../../engine/index.js';
import type { Callback } from '../../fit/callbacks.js';
import { createMatrix } from '../../preprocess/matrix.js';
import { ModelCheckpoint, readLastCheckpoint } from '../../fit/model-checkpoint.js';
import { parseModelOptions } from '../registry.js';
import { flowLikeRows } from './test-fixtures.js';
import { VaeClassifier, type VaeClassifierOptions } from './vae-classifier.js';

// One draw (the class prototypes depend on the seed), split into training and held-out rows.
const all = flowLikeRows({ seed: 1, rows: 600 });
const part = (from: number, to: number) => ({
  x: createMatrix(to - from, all.x.cols, all.x.data.slice(from * all.x.cols, to * all.x.cols)),
  y: all.y.slice(from, to),
});
const train = part(0, 480);
const held = part(480, 600);
const validation = { x: held.x, y: held.y };
const options: Partial<VaeClassifierOptions> = {
  latentSize: 4,
  encoderUnits: [16, 8],
  headUnits: [8],
  batchSize: 64,
  epochs: 4,
  learningRate: 0.01,
  // With β = 1 the posterior of these few rows first collapses onto the prior for ~10 epochs.
  beta: 0.1,
  seed: 3,
};

function interruptAt(stage: string, epoch: number): Callback {
  return {
    onEpochEnd: (e, _logs, control) => {
      if (control.stage === stage && e === epoch) throw new Error('interrupted');
    },
  };
}

describe('VaeClassifier (model kind vae)', () => {
  let dir: string;
  beforeAll(async () => {
    await initEngine();
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-vae-classifier-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains both stages in order, reports them to the callbacks and classifies the rows', async () => {
    const stages: string[] = [];
    const progress: [number, number][] = [];
    const model = await new VaeClassifier(options).fit(train.x, train.y, {
      nClasses: 3,
      validation,
      onProgress: (done, total) => progress.push([done, total]),
      callbacks: [{ onStageBegin: (info) => void stages.push(info.stage) }],
    });
    expect(stages).toEqual(['vae', 'classifier']);
    expect(progress.at(-1)).toEqual([8, 8]);
    const predicted = await model.predict(held.x);
    expect(predicted.filter((p, i) => p === held.y[i]).length / held.x.rows).toBeGreaterThan(0.9);
    await model.dispose();
  });

  // Without validation rows, so early stopping is off here; resuming with it is covered by
  // src/train/early-stopping.test.ts.
  it('resumes in either stage exactly where the uninterrupted run would be', async () => {
    const full = await new VaeClassifier(options).fit(train.x, train.y, { nClasses: 3 });
    const expected = Array.from((await full.predictProba(held.x)).data);
    for (const [stage, epoch] of [
      ['vae', 1],
      ['classifier', 2],
    ] as const) {
      const checkpoints = join(dir, `checkpoints-${stage}`);
      await expect(
        new VaeClassifier(options).fit(train.x, train.y, {
          nClasses: 3,
          callbacks: [new ModelCheckpoint({ dir: checkpoints }), interruptAt(stage, epoch)],
        }),
      ).rejects.toThrow('interrupted');
      const resumeFrom = await readLastCheckpoint(checkpoints);
      expect(resumeFrom?.state).toMatchObject({ stage, epoch });
      const resumed = await new VaeClassifier(options).fit(train.x, train.y, { nClasses: 3, resumeFrom });
      expect(Array.from((await resumed.predictProba(held.x)).data)).toEqual(expected);
      await resumed.dispose();
    }
    await full.dispose();
  });

  it('leaves no tensors behind and checks the saved head against the options', async () => {
    const before = liveTensorCount();
    const model = await new VaeClassifier({ ...options, epochs: 1 }).fit(train.x, train.y, { nClasses: 3 });
    await model.predictProba(held.x);
    const files = await model.save(join(dir, 'saved'));
    expect(files).toEqual(['vae-weights.bin', 'vae-weights.json', 'head-weights.bin', 'head-weights.json']);
    const loaded = await VaeClassifier.load(join(dir, 'saved'), model.options);
    await loaded.predict(held.x);
    await expect(
      VaeClassifier.load(join(dir, 'saved'), { ...model.options, headUnits: [9] }),
    ).rejects.toThrow(/headUnits|hidden layers/);
    await model.dispose();
    await loaded.dispose();
    expect(liveTensorCount()).toBe(before);
  });

  it('balanced class weights raise the probability given to a rare class', async () => {
    // Class 2 keeps one row in twelve.
    const rows = Int32Array.from({ length: train.x.rows }, (_, i) => i).filter(
      (i) => train.y[i] !== 2 || i % 12 === 2,
    );
    const x = { rows: rows.length, cols: train.x.cols, data: new Float32Array(rows.length * train.x.cols) };
    rows.forEach((r, i) => x.data.set(train.x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
    const y = Int32Array.from(rows, (r) => train.y[r]);
    const rare = Array.from(held.y.keys()).filter((i) => held.y[i] === 2);
    const rareProbability = async (classWeight: 'balanced' | null) => {
      const model = await new VaeClassifier({ ...options, epochs: 2, classWeight }).fit(x, y, {
        nClasses: 3,
      });
      const proba = await model.predictProba(held.x);
      await model.dispose();
      return rare.reduce((sum, i) => sum + proba.data[i * 3 + 2], 0) / rare.length;
    };
    expect(await rareProbability('balanced')).toBeGreaterThan(1.1 * (await rareProbability(null)));
  });

  it('validates its options through the registry, naming the field', () => {
    expect(parseModelOptions('vae', { latentSize: 8, headUnits: [], beta: 0.5 }, 'flags')).toEqual({
      latentSize: 8,
      headUnits: [],
      beta: 0.5,
    });
    expect(() => parseModelOptions('vae', { latentSize: 0 }, 'flags')).toThrow(/latentSize/);
    expect(() => parseModelOptions('vae', { reconstruction: 'l2' }, 'flags')).toThrow(/reconstruction/);
    expect(() => parseModelOptions('vae', { unknownOption: 1 }, 'flags')).toThrow();
  });
});
