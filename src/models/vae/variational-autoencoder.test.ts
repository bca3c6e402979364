import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, liveTensorCount, ops } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import { ModelCheckpoint, readLastCheckpoint } from '../../fit/model-checkpoint.js';
import { flowLikeRows } from './test-fixtures.js';
import { VariationalAutoencoder, type VaeOptions } from './variational-autoencoder.js';

const all = flowLikeRows({ seed: 4, rows: 720 }).x;
const x = createMatrix(600, all.cols, all.data.slice(0, 600 * all.cols));
const validation = createMatrix(120, all.cols, all.data.slice(600 * all.cols));
const small: Partial<VaeOptions> = {
  latentSize: 4,
  encoderUnits: [16, 8],
  batchSize: 64,
  epochs: 6,
  learningRate: 3e-3,
};

function meanAbs(m: Matrix): number {
  return m.data.reduce((a, b) => a + Math.abs(b), 0) / m.data.length;
}

async function fitted(options: Partial<VaeOptions>, data = x): Promise<VariationalAutoencoder> {
  return new VariationalAutoencoder({ ...small, ...options }).fit(data);
}

describe('VariationalAutoencoder', () => {
  let dir: string;
  beforeAll(async () => {
    await initEngine();
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-vae-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('documents its defaults and validates options, naming the field', () => {
    const vae = new VariationalAutoencoder();
    expect(vae.options).toMatchObject({
      latentSize: 16,
      encoderUnits: [64, 32],
      reconstruction: 'bce',
      beta: 1,
    });
    expect(() => new VariationalAutoencoder({ latentSize: 0 })).toThrow(/latentSize/);
    expect(() => new VariationalAutoencoder({ encoderUnits: [] })).toThrow(/encoderUnits/);
    expect(() => new VariationalAutoencoder({ beta: -1 })).toThrow(/beta/);
    expect(() => new VariationalAutoencoder({ reconstruction: 'l1' as 'mse' })).toThrow(/reconstruction/);
  });

  it('lowers the reconstruction loss as it trains', async () => {
    const history: EpochLogs[] = [];
    const early = await fitted({ epochs: 1, learningRate: 1e-2 });
    // With β = 1 the posterior first collapses onto the prior, then the decoder learns to use z.
    const later = await new VariationalAutoencoder({ ...small, epochs: 20, learningRate: 1e-2 }).fit(x, {
      callbacks: [{ onEpochEnd: (_epoch, logs) => void history.push(logs) }],
    });
    const before = await early.evaluate(x);
    const after = await later.evaluate(x);
    expect(after.reconstruction).toBeLessThan(0.8 * before.reconstruction);
    expect(history.length).toBe(20);
    expect(history[19].loss).toBeLessThan(history[0].loss);
    early.dispose();
    later.dispose();
  });

  it('KL pulls the posterior towards N(0, I): a high beta shrinks μ and keeps log σ² near 0', async () => {
    const free = await fitted({ beta: 0, epochs: 8 });
    const tight = await fitted({ beta: 20, epochs: 8 });
    const a = await free.posterior(x);
    const b = await tight.posterior(x);
    expect((await tight.evaluate(x)).kl).toBeLessThan(0.2 * (await free.evaluate(x)).kl);
    expect(meanAbs(b.mean)).toBeLessThan(0.5 * meanAbs(a.mean));
    // Without the KL term nothing stops σ shrinking (noise only hurts reconstruction).
    expect(meanAbs(b.logVar)).toBeLessThan(0.5 * meanAbs(a.logVar));
    const meanLogVar = a.logVar.data.reduce((s, v) => s + v, 0) / a.logVar.data.length;
    expect(meanLogVar).toBeLessThan(-0.5);
    free.dispose();
    tight.dispose();
  });

  it('transform is the deterministic posterior mean', async () => {
    const vae = await fitted({});
    const first = await vae.transform(x);
    const second = await vae.transform(x);
    expect(first.rows).toBe(x.rows);
    expect(first.cols).toBe(4);
    expect(Array.from(second.data)).toEqual(Array.from(first.data));
    const { mean } = await vae.posterior(x);
    for (let i = 0; i < mean.data.length; i++) expect(first.data[i]).toBeCloseTo(mean.data[i], 5);
    vae.dispose();
  });

  it('is reproducible for a seed and changes with the seed', async () => {
    const a = await fitted({ seed: 3 });
    const b = await fitted({ seed: 3 });
    const c = await fitted({ seed: 4 });
    const features = await a.transform(x);
    expect(Array.from((await b.transform(x)).data)).toEqual(Array.from(features.data));
    expect(Array.from((await c.transform(x)).data)).not.toEqual(Array.from(features.data));
    for (const m of [a, b, c]) m.dispose();
  });

  it('leaves no tensors behind after fit, transform, save, load and dispose', async () => {
    const before = liveTensorCount();
    const vae = await new VariationalAutoencoder({ ...small, epochs: 2 }).fit(x, { validation });
    await vae.transform(x);
    await vae.evaluate(x);
    await vae.posterior(x);
    await vae.save(join(dir, 'leaks'));
    const loaded = await VariationalAutoencoder.load(join(dir, 'leaks'), vae.options);
    await loaded.transform(x);
    vae.dispose();
    loaded.dispose();
    expect(liveTensorCount()).toBe(before);
  });

  it('save then load gives identical features; load checks the options and the files', async () => {
    const vae = await fitted({});
    const files = await vae.save(join(dir, 'roundtrip'), 'extractor-');
    expect(files).toEqual(['extractor-vae-weights.bin', 'extractor-vae-weights.json']);
    const loaded = await VariationalAutoencoder.load(join(dir, 'roundtrip'), vae.options, 'extractor-');
    expect(Array.from((await loaded.transform(x)).data)).toEqual(Array.from((await vae.transform(x)).data));
    await expect(
      VariationalAutoencoder.load(join(dir, 'roundtrip'), { ...vae.options, latentSize: 5 }, 'extractor-'),
    ).rejects.toThrow(/latentSize/);
    const bin = join(dir, 'roundtrip', 'extractor-vae-weights.bin');
    const bytes = await readFile(bin);
    await writeFile(bin, bytes.subarray(0, 100));
    await expect(
      VariationalAutoencoder.load(join(dir, 'roundtrip'), vae.options, 'extractor-'),
    ).rejects.toThrow(/extractor-vae-weights\.bin/);
    vae.dispose();
    loaded.dispose();
  });

  it('getWeights/setWeights round-trip under a prefix', async () => {
    const vae = await fitted({});
    const weights = vae.getWeights('vae/');
    expect(Object.keys(weights)).toContain('vae/encoder/mean/kernel');
    expect(Object.keys(weights)).toContain('vae/decoder/output/bias');
    const other = await fitted({ seed: 9 });
    other.setWeights(weights, 'vae/');
    expect(Array.from((await other.transform(x)).data)).toEqual(Array.from((await vae.transform(x)).data));
    expect(() => other.setWeights(weights, 'nope/')).toThrow(/nope\/encoder/);
    vae.dispose();
    other.dispose();
  });

  it('exposes the encoder for end-to-end fine-tuning: gradients reach every variable, changes are kept', async () => {
    const vae = await fitted({ epochs: 2 });
    const variables = vae.trainableEncoderVariables();
    expect(variables.length).toBe(2 * 3);
    const batch = ops.tensor2d(x.data.subarray(0, 10 * x.cols), [10, x.cols]);
    const { value, grads } = ops.variableGrads(() => ops.sum(ops.square(vae.encodeTensor(batch))), variables);
    for (const v of variables) expect(grads[v.name].shape).toEqual(v.shape);
    const beforeFeatures = await vae.transform(x);
    // What a composite's optimiser would do: change a variable in place.
    const bias = variables[variables.length - 1];
    bias.assign(ops.add(bias, 1));
    const afterFeatures = await vae.transform(x);
    expect(afterFeatures.data[0]).toBeCloseTo(beforeFeatures.data[0] + 1, 5);
    expect(vae.getWeights()['encoder/mean/bias'].data[0]).toBeCloseTo(bias.dataSync()[0], 6);
    ops.dispose([batch, value, ...Object.values(grads)]);
    vae.dispose();
  });

  it('resumes from a checkpoint exactly where the uninterrupted run would be', async () => {
    const options = { ...small, epochs: 5 };
    const full = await new VariationalAutoencoder(options).fit(x, { validation });
    const checkpoints = join(dir, 'checkpoints');
    // Interrupted after epoch 3 (index 2): the third epoch throws once its checkpoint is written.
    const interrupt = {
      onEpochEnd: (epoch: number) => {
        if (epoch === 2) throw new Error('interrupted');
      },
    };
    await expect(
      new VariationalAutoencoder(options).fit(x, {
        validation,
        weightPrefix: 'vae/',
        callbacks: [new ModelCheckpoint({ dir: checkpoints }), interrupt],
      }),
    ).rejects.toThrow('interrupted');
    const resumeFrom = await readLastCheckpoint(checkpoints);
    expect(resumeFrom?.state).toMatchObject({ stage: 'vae', epoch: 2 });
    const resumed = await new VariationalAutoencoder(options).fit(x, {
      validation,
      weightPrefix: 'vae/',
      resumeFrom,
    });
    expect(resumed.getWeights()).toEqual(full.getWeights());
    // A checkpoint from a later stage: the VAE takes its weights from it and trains no further.
    let epochs = 0;
    const skipped = await new VariationalAutoencoder(options).fit(x, {
      weightPrefix: 'vae/',
      stageOrder: ['vae', 'classifier'],
      resumeFrom: {
        state: { ...resumeFrom!.state, stage: 'classifier', epoch: 0 },
        weights: resumeFrom!.weights,
      },
      callbacks: [{ onEpochEnd: () => void epochs++ }],
    });
    expect(epochs).toBe(0);
    expect(skipped.getWeights('vae/')['vae/encoder/dense_0/kernel']).toEqual(
      resumeFrom!.weights['vae/encoder/dense_0/kernel'],
    );
    for (const m of [full, resumed, skipped]) m.dispose();
  });

  it('stops on a non-finite loss, naming the epoch and batch', async () => {
    const error: unknown = await fitted({ learningRate: 1e6, epochs: 5 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(
      /vae loss became (NaN|Infinity|-Infinity) at epoch \d+, batch \d+/,
    );
  });

  it('rejects non-finite input and, for bce, values outside [0, 1], naming row and column', async () => {
    const data = x.data.slice();
    data[5 * x.cols + 2] = Number.NaN;
    await expect(fitted({}, createMatrix(x.rows, x.cols, data))).rejects.toThrow(
      /row 5, column 2 is not finite/,
    );
    data[5 * x.cols + 2] = 1.5;
    await expect(fitted({}, createMatrix(x.rows, x.cols, data))).rejects.toThrow(
      /row 5, column 2 is outside \[0, 1\]/,
    );
    const mse = await fitted({ reconstruction: 'mse', epochs: 1 }, createMatrix(x.rows, x.cols, data));
    await expect(mse.transform(createMatrix(1, 3, new Float32Array(3)))).rejects.toThrow(/3 features/);
    mse.dispose();
    await expect(new VariationalAutoencoder().transform(x)).rejects.toThrow(/not fitted/);
  });
});
