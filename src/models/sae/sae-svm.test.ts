import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initEngine, liveTensorCount } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import { parseModelOptions } from '../registry.js';
import { SaeSvmClassifier, type SaeSvmClassifierOptions } from './sae-svm.js';
import { recorder, scaledBlobs } from './test-fixtures.js';

const data = scaledBlobs({ seed: 5, rows: 480, features: 10, classes: 3 });
const small: Partial<SaeSvmClassifierOptions> = {
  hiddenUnits: 8,
  epochs: 4,
  batchSize: 32,
  learningRate: 0.03,
  svm: { learningRate: 0.05, epochs: 5 },
};
const context = { nClasses: data.nClasses };

describe('SaeSvmClassifier', () => {
  let dir: string;

  beforeAll(async () => {
    await initEngine();
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-sae-svm-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs pretrain then svm; checkpoints of the svm stage hold the autoencoder too', async () => {
    const record = recorder();
    await new SaeSvmClassifier(small).fit(data.x, data.y, {
      ...context,
      validation: { x: data.x, y: data.y },
      callbacks: [record.callback],
    });
    expect(record.stagesBegun.map((s) => s.stage)).toEqual(['pretrain', 'svm']);
    const svmCheckpoint = record.checkpoints.find((c) => c.state.stage === 'svm')!;
    const names = Object.keys(svmCheckpoint.weights);
    for (const expected of [
      'encoder/kernel',
      'decoder/bias',
      'optimizer/pretrain/step',
      'svm/weight',
      'svm/bias',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('follows the top-level epochs, patience and seed unless the nested svm options say otherwise', () => {
    const model = new SaeSvmClassifier({ epochs: 7, patience: 2, seed: 3, svm: { epochs: 9 } });
    const svm = model.svmOptions();
    expect(svm.epochs).toBe(9);
    expect(svm.patience).toBe(2);
    expect(svm.seed).not.toBe(3);
    expect(new SaeSvmClassifier({ epochs: 7 }).svmOptions().epochs).toBe(7);
    expect(() => new SaeSvmClassifier({ svm: { kernel: 'poly' as 'rbf' } })).toThrow(/kernel/);
  });

  it('resumes in the svm stage without pretraining again, as if never interrupted', async () => {
    const record = recorder();
    const full = await new SaeSvmClassifier(small).fit(data.x, data.y, {
      ...context,
      callbacks: [record.callback],
    });
    const checkpoint = record.checkpoints.find((c) => c.state.stage === 'svm' && c.state.epoch === 1)!;
    const resumedRecord = recorder();
    const resumed = await new SaeSvmClassifier(small).fit(data.x, data.y, {
      ...context,
      resumeFrom: checkpoint,
      callbacks: [resumedRecord.callback],
    });
    expect(resumedRecord.stagesBegun).toEqual([{ stage: 'svm', startEpoch: 2 }]);
    expect(Array.from((await resumed.decisionFunction(data.x)).data)).toEqual(
      Array.from((await full.decisionFunction(data.x)).data),
    );
  });

  it('does not leak tensors through fit, predict, save and load, and loads bit-identical decision values', async () => {
    const baseline = liveTensorCount();
    const model = await new SaeSvmClassifier(small).fit(data.x, data.y, context);
    const scores = await model.decisionFunction(data.x);
    const files = await model.save(dir);
    expect(files.sort()).toEqual(['autoencoder.bin', 'autoencoder.json', 'svm.bin', 'svm.json']);
    const loaded = await SaeSvmClassifier.load(dir, model.options);
    expect(Array.from((await loaded.decisionFunction(data.x)).data)).toEqual(Array.from(scores.data));
    await loaded.dispose();
    await model.dispose();
    expect(liveTensorCount()).toBe(baseline);
  });

  it('refuses a saved SVM whose kernel disagrees with the options, naming the file', async () => {
    const model = await new SaeSvmClassifier({ ...small, epochs: 1 }).fit(data.x, data.y, context);
    const saveDir = join(dir, 'kernel');
    await model.save(saveDir);
    const error: unknown = await SaeSvmClassifier.load(saveDir, {
      ...model.options,
      svm: { ...model.options.svm, kernel: 'rbf' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/svm\.bin.*kernel/);
  });

  it('validates nested svm options through the registry schema', () => {
    expect(parseModelOptions('sae-svm', { svm: { kernel: 'rbf', rffComponents: 64 } }, 'flags')).toEqual({
      svm: { kernel: 'rbf', rffComponents: 64 },
    });
    expect(() => parseModelOptions('sae-svm', { svm: { C: 1 } }, 'run.json')).toThrow(/run\.json.*svm/);
    expect(() => parseModelOptions('sae-svm', { fineTune: true }, 'run.json')).toThrow(/fineTune/);
  });
});
