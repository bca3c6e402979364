import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, liveTensorCount } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Callback } from '../../fit/callbacks.js';
import { gaussianBlobs } from '../contract-cases.js';
import { readWeights, type NamedWeights } from '../../fit/weights-file.js';
import { VaeBiGruClassifier, type VaeBiGruOptions } from './vae-bigru.js';
import { biGruPartOptions, resolveVaeBiGruOptions } from './vae-bigru-options.js';

const blobs = gaussianBlobs({ seed: 4, rows: 300, features: 6, classes: 3 });
const validation = gaussianBlobs({ seed: 5, rows: 90, features: 6, classes: 3 });
const tiny: Partial<VaeBiGruOptions> = {
  vae: { latentSize: 4, encoderUnits: [12], reconstruction: 'mse', beta: 0.01, epochs: 2 },
  bigru: { units: 6, epochs: 3 },
  batchSize: 64,
  learningRate: 0.01,
};
let dir: string;

beforeAll(async () => {
  await initEngine();
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-vae-bigru-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Records every checkpoint the stages would write, by "stage/epoch", and the stages' batch counts. */
function recorder(): {
  callback: Callback;
  weights: Map<string, NamedWeights>;
  batches: Map<string, number>;
} {
  const weights = new Map<string, NamedWeights>();
  const batches = new Map<string, number>();
  return {
    weights,
    batches,
    callback: {
      onStageBegin: (info) => void batches.set(info.stage, info.batchesPerEpoch),
      onEpochEnd: (epoch, _logs, control) =>
        void weights.set(`${control.stage}/${epoch}`, control.getWeights()),
    },
  };
}

describe('VaeBiGruClassifier', () => {
  it('rejects a latent size and sequence shape that do not multiply out before training anything', async () => {
    const progress: number[] = [];
    const model = new VaeBiGruClassifier({
      ...tiny,
      vae: { ...tiny.vae, latentSize: 6 },
      bigru: { timesteps: 4, featuresPerStep: 2 },
    });
    const error: unknown = await model
      .fit(blobs.x, blobs.y, { nClasses: 3, onProgress: (done) => progress.push(done) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(
      /vae-bigru: the latent vector \(vae\.latentSize 6\) has 6 values per row, but timesteps 4 × featuresPerStep 2 = 8/,
    );
    expect(progress).toEqual([]);
  });

  it('reads the latent vector as latentSize steps of 1 value by default', async () => {
    const model = await new VaeBiGruClassifier({ ...tiny, vae: { ...tiny.vae, latentSize: 5 } }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
      },
    );
    const target = join(dir, 'default-shape');
    expect(await model.save(target)).toEqual([
      'vae-weights.bin',
      'vae-weights.json',
      'bigru-weights.bin',
      'bigru-weights.json',
    ]);
    expect(Array.from((await readWeights(target, 'bigru-weights')).sequenceShape.data)).toEqual([5, 1]);
    await model.dispose();
  });

  it('runs the stages vae, bigru, finetune; fine-tuning changes the encoder; nothing leaks', async () => {
    const before = liveTensorCount();
    const withFineTune = recorder();
    const trained = { ...tiny, vae: { ...tiny.vae, epochs: 6 }, bigru: { units: 6, epochs: 8 } };
    const tuned = await new VaeBiGruClassifier({ ...trained, fineTune: true, fineTuneEpochs: 2 }).fit(
      blobs.x,
      blobs.y,
      {
        nClasses: 3,
        validation,
        callbacks: [withFineTune.callback],
      },
    );
    expect([...withFineTune.batches.keys()]).toEqual(['vae', 'bigru', 'finetune']);
    const frozen = await new VaeBiGruClassifier(trained).fit(blobs.x, blobs.y, { nClasses: 3, validation });
    const tunedFiles = join(dir, 'tuned');
    const frozenFiles = join(dir, 'frozen');
    await tuned.save(tunedFiles);
    await frozen.save(frozenFiles);
    const tunedEncoder = (await readWeights(tunedFiles, 'vae-weights'))['encoder/dense_0/kernel'].data;
    const frozenEncoder = (await readWeights(frozenFiles, 'vae-weights'))['encoder/dense_0/kernel'].data;
    expect(Array.from(tunedEncoder)).not.toEqual(Array.from(frozenEncoder));
    const loaded = await VaeBiGruClassifier.load(tunedFiles, tuned.options);
    expect(Array.from((await loaded.predictProba(blobs.x)).data)).toEqual(
      Array.from((await tuned.predictProba(blobs.x)).data),
    );
    const accuracy = (await tuned.predict(validation.x)).filter((p, i) => p === validation.y[i]).length / 90;
    // Chance is 1/3; a few epochs of a 4-wide VAE on unbounded blobs keep it well below the Bayes rate.
    expect(accuracy).toBeGreaterThan(0.7);
    await Promise.all([tuned.dispose(), frozen.dispose(), loaded.dispose()]);
    expect(liveTensorCount()).toBe(before);
  });

  it.each(['vae/0', 'bigru/1', 'finetune/0'])(
    'resumed from the checkpoint after %s, ends exactly where the uninterrupted run ends',
    async (checkpoint) => {
      const options = { ...tiny, fineTune: true, fineTuneEpochs: 2 };
      const record = recorder();
      const full = await new VaeBiGruClassifier(options).fit(blobs.x, blobs.y, {
        nClasses: 3,
        callbacks: [record.callback],
      });
      const [stage, epoch] = checkpoint.split('/');
      const resumed = await new VaeBiGruClassifier(options).fit(blobs.x, blobs.y, {
        nClasses: 3,
        resumeFrom: {
          state: { formatVersion: 1, stage, epoch: Number(epoch), logs: { loss: 0 } },
          weights: record.weights.get(checkpoint) as NamedWeights,
        },
      });
      expect(Array.from((await resumed.predictProba(blobs.x)).data)).toEqual(
        Array.from((await full.predictProba(blobs.x)).data),
      );
      await Promise.all([full.dispose(), resumed.dispose()]);
    },
  );

  it('grows the minority classes of the latent training rows with smoteLatent', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => i).filter((i) => blobs.y[i] !== 2 || i < 30);
    const x = {
      rows: rows.length,
      cols: 6,
      data: new Float32Array(rows.flatMap((i) => [...blobs.x.data.subarray(i * 6, i * 6 + 6)])),
    };
    const y = Int32Array.from(rows, (i) => blobs.y[i]);
    const plain = recorder();
    const grown = recorder();
    const base = { ...tiny, bigru: { units: 6, epochs: 1, batchSize: 10 } };
    await new VaeBiGruClassifier(base).fit(x, y, { nClasses: 3, callbacks: [plain.callback] });
    await new VaeBiGruClassifier({ ...base, smoteLatent: true }).fit(x, y, {
      nClasses: 3,
      callbacks: [grown.callback],
    });
    expect(plain.batches.get('bigru')).toBe(Math.ceil(210 / 10));
    expect(grown.batches.get('bigru')).toBe(Math.ceil(300 / 10));
  });

  it("hands tempered class weights to the BiGRU unless it sets its own, and refuses them without 'balanced'", async () => {
    const tempered = { classWeight: 'balanced' as const, classWeightPower: 0.5, classWeightMax: 50 };
    expect(biGruPartOptions(resolveVaeBiGruOptions(tempered))).toMatchObject(tempered);
    expect(
      biGruPartOptions(resolveVaeBiGruOptions({ ...tempered, bigru: { classWeightMax: 5 } })),
    ).toMatchObject({ ...tempered, classWeightMax: 5 });
    const plain = biGruPartOptions(resolveVaeBiGruOptions({}));
    expect(plain.classWeight).toBeNull();
    expect(plain.classWeightPower).toBeUndefined();
    const model = new VaeBiGruClassifier({ ...tiny, classWeightPower: 0.5 });
    await expect(model.fit(blobs.x, blobs.y, { nClasses: 3 })).rejects.toThrow(
      /classWeightPower and classWeightMax need classWeight "balanced"/,
    );
    await model.dispose();
  });

  it('stops fine-tuning with a message naming the stage, epoch and batch when the loss stops being finite', async () => {
    const model = new VaeBiGruClassifier({ ...tiny, fineTune: true, fineTuneLearningRate: 1e38 });
    await expect(model.fit(blobs.x, blobs.y, { nClasses: 3 })).rejects.toThrow(
      /the finetune loss became (NaN|-?Infinity) at epoch \d+, batch \d+/,
    );
    await model.dispose();
  });
});
