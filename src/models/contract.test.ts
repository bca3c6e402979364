import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import type { Callback } from '../fit/callbacks.js';
import { ModelCheckpoint, readLastCheckpoint } from '../fit/model-checkpoint.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { CONTRACT_OPTIONS, gaussianBlobs } from './contract-cases.js';
import { argmaxRows, scoresOf, type Classifier } from './estimator.js';
import { NotFittedError } from './fit-input.js';
import { modelDescriptor, modelKinds, parseModelOptions } from './registry.js';

const data = gaussianBlobs({ seed: 11, rows: 600, features: 6, classes: 3 });
const validation = gaussianBlobs({ seed: 12, rows: 150, features: 6, classes: 3 });

/** Every registered model, built through the registry from its contract options (validated like user input). */
const cases = modelKinds().map((kind) => {
  const descriptor = modelDescriptor(kind);
  const options = parseModelOptions(kind, CONTRACT_OPTIONS[kind] ?? {}, 'contract-cases.ts');
  return {
    kind,
    descriptor,
    hasOptions: kind in CONTRACT_OPTIONS,
    create: (seed: number): Classifier => descriptor.create(options, seed),
    load: (dir: string, saved: object): Promise<Classifier> =>
      descriptor.load(dir, saved as Record<string, unknown>),
  };
});

describe.each(cases.map((c) => [c.kind, c] as const))('estimator contract: %s', (_kind, contract) => {
  let model: Classifier;
  let proba: Matrix;
  let fitResult: Classifier;
  const progress: [number, number][] = [];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-contract-'));
    model = contract.create(1);
    fitResult = await model.fit(data.x, data.y, {
      nClasses: data.nClasses,
      onProgress: (done, total) => progress.push([done, total]),
    });
    proba = await model.predictProba(data.x);
  });

  afterAll(async () => {
    await model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('has small contract options in contract-cases.ts', () => {
    expect(contract.hasOptions).toBe(true);
  });

  it('constructs without fitting, with its kind and options', async () => {
    const fresh = contract.create(5);
    expect(fresh.kind).toBe(contract.kind);
    expect(fresh.fitted).toBe(false);
    expect(typeof fresh.options).toBe('object');
    expect(contract.create(5).options).toEqual(fresh.options);
    await fresh.dispose();
  });

  it('rejects predict, predictProba and save before fit with NotFittedError', async () => {
    const fresh = contract.create(1);
    await expect(fresh.predict(data.x)).rejects.toThrow(NotFittedError);
    await expect(fresh.predictProba(data.x)).rejects.toThrow(NotFittedError);
    await expect(fresh.save(dir)).rejects.toThrow(/fit/);
  });

  it('rejects unknown options, naming the field', () => {
    expect(() => parseModelOptions(contract.kind, { noSuchOption: 1 }, 'flags')).toThrow(IotIdsError);
    expect(() => parseModelOptions(contract.kind, { noSuchOption: 1 }, 'flags')).toThrow(
      /noSuchOption|unrecognized/i,
    );
  });

  it('fit resolves to the same instance, marks it fitted and reports progress to completion', () => {
    expect(fitResult).toBe(model);
    expect(model.fitted).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    const [done, total] = progress[progress.length - 1];
    expect(done).toBe(total);
  });

  it('predictProba gives one finite row per sample, summing to 1', () => {
    expect(proba.rows).toBe(data.x.rows);
    expect(proba.cols).toBe(data.nClasses);
    for (let i = 0; i < proba.rows; i++) {
      let sum = 0;
      for (let c = 0; c < proba.cols; c++) {
        const p = proba.data[i * proba.cols + c];
        expect(Number.isFinite(p)).toBe(true);
        sum += p;
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
    }
  });

  it('declares its output kind; predict is the arg-max of its scores and learns the blobs', async () => {
    expect(['probabilities', 'margins']).toContain(model.outputKind);
    expect(typeof model.decisionFunction === 'function').toBe(model.outputKind === 'margins');
    const scores = await scoresOf(model, data.x);
    const predicted = await model.predict(data.x);
    expect(Array.from(predicted)).toEqual(Array.from(argmaxRows(scores)));
    expect(Array.from(predicted)).toEqual(Array.from(argmaxRows(proba)));
    const correct = predicted.filter((p, i) => p === data.y[i]).length;
    expect(correct / data.x.rows).toBeGreaterThan(0.9);
  });

  it('rejects inputs with the wrong number of features', async () => {
    const wide = createMatrix(4, data.x.cols + 1);
    await expect(model.predictProba(wide)).rejects.toThrow(IotIdsError);
    const fresh = contract.create(1);
    const badValidation = { x: createMatrix(3, data.x.cols + 1), y: new Int32Array(3) };
    await expect(
      fresh.fit(data.x, data.y, { nClasses: data.nClasses, validation: badValidation }),
    ).rejects.toThrow(IotIdsError);
    await fresh.dispose();
  });

  it('fits with validation data taken apart from the training rows', async () => {
    const withValidation = await contract
      .create(1)
      .fit(data.x, data.y, { nClasses: data.nClasses, validation: { x: validation.x, y: validation.y } });
    const predicted = await withValidation.predict(validation.x);
    const correct = predicted.filter((p, i) => p === validation.y[i]).length;
    expect(correct / validation.x.rows).toBeGreaterThan(0.85);
    await withValidation.dispose();
  });

  it.runIf(contract.descriptor.trainsInEpochs)(
    'resumes after a crash from its last checkpoint and ends where an uninterrupted run does',
    async () => {
      const context = { nClasses: data.nClasses, validation: { x: validation.x, y: validation.y } };
      const uninterrupted = await contract.create(3).fit(data.x, data.y, context);
      const expected = Array.from((await uninterrupted.predictProba(data.x)).data);
      await uninterrupted.dispose();
      const checkpoints = join(dir, 'checkpoints');
      const crash: Callback = {
        onEpochEnd: (epoch) => {
          if (epoch === 1) throw new Error('simulated crash after the second epoch');
        },
      };
      const crashing = contract.create(3);
      await expect(
        crashing.fit(data.x, data.y, {
          ...context,
          callbacks: [new ModelCheckpoint({ dir: checkpoints }), crash],
        }),
      ).rejects.toThrow(/simulated crash/);
      await crashing.dispose();
      const resumeFrom = await readLastCheckpoint(checkpoints);
      expect(resumeFrom).toBeDefined();
      const resumed = await contract.create(3).fit(data.x, data.y, { ...context, resumeFrom });
      expect(Array.from((await resumed.predictProba(data.x)).data)).toEqual(expected);
      await resumed.dispose();
    },
  );

  it('is reproducible for a seed and changes with the seed', async () => {
    const again = await contract.create(1).fit(data.x, data.y, { nClasses: data.nClasses });
    const other = await contract.create(2).fit(data.x, data.y, { nClasses: data.nClasses });
    expect(Array.from((await again.predictProba(data.x)).data)).toEqual(Array.from(proba.data));
    expect(Array.from((await other.predictProba(data.x)).data)).not.toEqual(Array.from(proba.data));
    await again.dispose();
    await other.dispose();
  });

  it('save then load gives identical probabilities', async () => {
    const saveDir = join(dir, 'roundtrip');
    const files = await model.save(saveDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect((await stat(join(saveDir, f))).isFile()).toBe(true);
    const loaded = await contract.load(saveDir, model.options);
    expect(loaded.fitted).toBe(true);
    expect(Array.from((await loaded.predictProba(data.x)).data)).toEqual(Array.from(proba.data));
    await loaded.dispose();
  });

  it('load names the file when a saved file is truncated', async () => {
    const files = await model.save(join(dir, 'probe'));
    for (const file of files) {
      const saveDir = join(dir, `truncated-${file}`);
      await model.save(saveDir);
      const path = join(saveDir, file);
      const bytes = await readFile(path);
      await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const error: unknown = await contract.load(saveDir, model.options).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(IotIdsError);
      expect((error as Error).message).toContain(file);
    }
  });
});
