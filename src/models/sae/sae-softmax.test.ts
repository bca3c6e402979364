import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initEngine, liveTensorCount } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import { parseModelOptions } from '../registry.js';
import type { SaeSoftmaxOptions } from './options.js';
import { SaeSoftmaxClassifier } from './sae-softmax.js';
import { recorder, scaledBlobs } from './test-fixtures.js';

const data = scaledBlobs({ seed: 5, rows: 480, features: 10, classes: 3 });
const small: Partial<SaeSoftmaxOptions> = { hiddenUnits: 8, epochs: 4, batchSize: 32, learningRate: 0.03 };
const context = { nClasses: data.nClasses };

describe('SaeSoftmaxClassifier', () => {
  let dir: string;

  beforeAll(async () => {
    await initEngine();
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-sae-softmax-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs pretrain, classifier and finetune in order, checkpointing every part and optimiser', async () => {
    const record = recorder();
    const model = await new SaeSoftmaxClassifier(small).fit(data.x, data.y, {
      ...context,
      validation: { x: data.x, y: data.y },
      callbacks: [record.callback],
    });
    expect(record.stagesBegun.map((s) => s.stage)).toEqual(['pretrain', 'classifier', 'finetune']);
    const names = Object.keys(record.checkpoints[0].weights).sort();
    for (const expected of [
      'encoder/kernel',
      'decoder/kernel',
      'softmax/kernel',
      'optimizer/pretrain/step',
      'optimizer/classifier/softmax/kernel/m',
      'optimizer/finetune/encoder/kernel/v',
    ]) {
      expect(names).toContain(expected);
    }
    const classifierEpochs = record.epochs.filter((e) => e.stage === 'classifier');
    expect(classifierEpochs[0].logs.valAccuracy).toBeGreaterThan(0);
    const accuracy = (await model.predict(data.x)).filter((p, i) => p === data.y[i]).length / data.y.length;
    expect(accuracy).toBeGreaterThan(0.6);
  });

  it('skips fine-tuning when fineTune is false', async () => {
    const record = recorder();
    await new SaeSoftmaxClassifier({ ...small, fineTune: false }).fit(data.x, data.y, {
      ...context,
      callbacks: [record.callback],
    });
    expect(record.stagesBegun.map((s) => s.stage)).toEqual(['pretrain', 'classifier']);
  });

  it('resumes after the pretrain stage: skips it and continues the classifier as if never interrupted', async () => {
    const record = recorder();
    const full = await new SaeSoftmaxClassifier(small).fit(data.x, data.y, {
      ...context,
      callbacks: [record.callback],
    });
    const checkpoint = record.checkpoints.find((c) => c.state.stage === 'classifier' && c.state.epoch === 1)!;
    const resumedRecord = recorder();
    const resumed = await new SaeSoftmaxClassifier(small).fit(data.x, data.y, {
      ...context,
      resumeFrom: checkpoint,
      callbacks: [resumedRecord.callback],
    });
    expect(resumedRecord.stagesBegun).toEqual([
      { stage: 'classifier', startEpoch: 2 },
      { stage: 'finetune', startEpoch: 0 },
    ]);
    expect(resumedRecord.epochs.filter((e) => e.stage === 'pretrain')).toEqual([]);
    expect(Array.from((await resumed.predictProba(data.x)).data)).toEqual(
      Array.from((await full.predictProba(data.x)).data),
    );
  });

  it('weighs rare classes up with classWeight balanced', async () => {
    // 360 rows of class 0, 40 of class 1, overlapping.
    const blobs = scaledBlobs({ seed: 9, rows: 720, features: 4, classes: 2 });
    const keep = Array.from({ length: blobs.y.length }, (_, i) => i).filter(
      (i) => blobs.y[i] === 0 || i % 9 === 1,
    );
    const x = {
      rows: keep.length,
      cols: blobs.x.cols,
      data: Float32Array.from(keep.flatMap((i) => Array.from(blobs.x.data.subarray(i * 4, i * 4 + 4)))),
    };
    const y = Int32Array.from(keep, (i) => blobs.y[i]);
    const rareRecall = async (classWeight: 'balanced' | null) => {
      const model = await new SaeSoftmaxClassifier({ ...small, epochs: 6, classWeight }).fit(x, y, {
        nClasses: 2,
      });
      const predicted = await model.predict(x);
      const rare = keep.map((_, i) => i).filter((i) => y[i] === 1);
      return rare.filter((i) => predicted[i] === 1).length / rare.length;
    };
    expect(await rareRecall('balanced')).toBeGreaterThan(await rareRecall(null));
  });

  it('does not leak tensors through fit, predict, save and load, and loads bit-identical', async () => {
    const baseline = liveTensorCount();
    const model = await new SaeSoftmaxClassifier(small).fit(data.x, data.y, {
      ...context,
      validation: { x: data.x, y: data.y },
    });
    const proba = await model.predictProba(data.x);
    const files = await model.save(dir);
    expect(files.sort()).toEqual(['autoencoder.bin', 'autoencoder.json', 'softmax.bin', 'softmax.json']);
    const loaded = await SaeSoftmaxClassifier.load(dir, model.options);
    expect(Array.from((await loaded.predictProba(data.x)).data)).toEqual(Array.from(proba.data));
    expect(Array.from((await loaded.transform(data.x)).data)).toEqual(
      Array.from((await model.transform(data.x)).data),
    );
    await loaded.dispose();
    await model.dispose();
    expect(liveTensorCount()).toBe(baseline);
  });

  it('refuses a saved model whose width disagrees with the options, naming the file', async () => {
    const model = await new SaeSoftmaxClassifier({ ...small, epochs: 1 }).fit(data.x, data.y, context);
    const saveDir = join(dir, 'width');
    await model.save(saveDir);
    const error: unknown = await SaeSoftmaxClassifier.load(saveDir, {
      ...model.options,
      hiddenUnits: 4,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/autoencoder\.json.*encoder\/kernel/);
  });

  it('validates its options through the registry schema with the field named', () => {
    expect(parseModelOptions('sae-softmax', { sparsity: 'l1', fineTune: false }, 'flags')).toEqual({
      sparsity: 'l1',
      fineTune: false,
    });
    expect(() => parseModelOptions('sae-softmax', { rho: 2 }, 'run.json')).toThrow(/run\.json.*rho/);
    expect(() => parseModelOptions('sae-softmax', { svm: {} }, 'run.json')).toThrow(/svm/);
    expect(() => new SaeSoftmaxClassifier({ classWeight: 'even' as 'balanced' })).toThrow(/classWeight/);
  });

  it('rejects labels outside the classes', async () => {
    const y = data.y.slice();
    y[3] = 7;
    await expect(new SaeSoftmaxClassifier(small).fit(data.x, y, context)).rejects.toThrow(
      /label 7 of training row 3/,
    );
  });
});
