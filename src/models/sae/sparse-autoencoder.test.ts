import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { initEngine, liveTensorCount } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { SparseAutoencoderOptions } from './options.js';
import { SparseAutoencoder } from './sparse-autoencoder.js';
import { recorder, scaledBlobs } from './test-fixtures.js';

const data = scaledBlobs({ seed: 3, rows: 400, features: 12, classes: 4 });
const small: Partial<SparseAutoencoderOptions> = {
  hiddenUnits: 16,
  epochs: 15,
  batchSize: 32,
  learningRate: 0.01,
};

function mean(values: Float64Array): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

async function trainedActivation(options: Partial<SparseAutoencoderOptions>): Promise<number> {
  const sae = await new SparseAutoencoder({ ...small, ...options }).fit(data.x);
  return mean((await sae.reconstruction(data.x)).meanActivation);
}

describe('SparseAutoencoder', () => {
  let dir: string;

  beforeAll(async () => {
    await initEngine();
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-sae-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lowers its reconstruction loss and reports the objective per epoch', async () => {
    const sae = new SparseAutoencoder(small);
    sae.initialise(data.x.cols);
    const before = await sae.reconstruction(data.x);
    const record = recorder();
    await sae.fit(data.x, { callbacks: [record.callback] });
    const after = await sae.reconstruction(data.x);
    expect(after.loss).toBeLessThan(before.loss * 0.95);
    const losses = record.epochs.map((e) => e.logs.loss);
    expect(record.epochs.every((e) => e.stage === 'pretrain')).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });

  it('pulls the mean hidden activation towards rho with the KL penalty, compared with beta = 0', async () => {
    const rho = 0.05;
    const withKl = await trainedActivation({ sparsity: 'kl', rho, beta: 3 });
    const withoutKl = await trainedActivation({ sparsity: 'kl', rho, beta: 0 });
    expect(Math.abs(withKl - rho)).toBeLessThan(0.02);
    expect(Math.abs(withoutKl - rho)).toBeGreaterThan(5 * Math.abs(withKl - rho));
  });

  it('lowers the mean hidden activation with the L1 penalty, compared with l1 = 0', async () => {
    const withL1 = await trainedActivation({ sparsity: 'l1', l1: 0.05 });
    const withoutL1 = await trainedActivation({ sparsity: 'l1', l1: 0 });
    expect(withL1).toBeLessThan(withoutL1 / 5);
  });

  it('stops early on the validation loss and keeps the best epoch', async () => {
    const record = recorder();
    const sae = new SparseAutoencoder({ ...small, epochs: 200, patience: 2, learningRate: 0.05 });
    await sae.fit(data.x, { validation: data.x, callbacks: [record.callback] });
    const valLosses = record.epochs.map((e) => e.logs.valLoss!);
    expect(valLosses.length).toBeLessThan(200);
    expect(await sae.objective(data.x)).toBeCloseTo(Math.min(...valLosses), 5);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const codes = async (seed: number) =>
      Array.from(
        (await (await new SparseAutoencoder({ ...small, epochs: 3, seed }).fit(data.x)).transform(data.x))
          .data,
      );
    const first = await codes(7);
    expect(await codes(7)).toEqual(first);
    expect(await codes(8)).not.toEqual(first);
  });

  it('resumes from a checkpoint as if never interrupted', async () => {
    const options = { ...small, epochs: 6 };
    const record = recorder();
    const full = await new SparseAutoencoder(options).fit(data.x, { callbacks: [record.callback] });
    const atEpoch2 = record.checkpoints[2];
    const resumedRecord = recorder();
    const resumed = await new SparseAutoencoder(options).fit(data.x, {
      resumeFrom: atEpoch2,
      callbacks: [resumedRecord.callback],
    });
    expect(resumedRecord.stagesBegun).toEqual([{ stage: 'pretrain', startEpoch: 3 }]);
    expect(resumedRecord.epochs.map((e) => e.epoch)).toEqual([3, 4, 5]);
    expect(Array.from((await resumed.transform(data.x)).data)).toEqual(
      Array.from((await full.transform(data.x)).data),
    );
  });

  it('saves and loads bit-identical codes without leaking tensors, and rejects a damaged file', async () => {
    const baseline = liveTensorCount();
    const sae = await new SparseAutoencoder({ ...small, epochs: 2 }).fit(data.x, {
      validation: data.x,
    });
    const codes = await sae.transform(data.x);
    const files = await sae.save(dir);
    expect(files.sort()).toEqual(['autoencoder.bin', 'autoencoder.json']);
    const loaded = await SparseAutoencoder.load(dir, sae.options);
    expect(Array.from((await loaded.transform(data.x)).data)).toEqual(Array.from(codes.data));
    expect(liveTensorCount()).toBe(baseline);

    const bin = join(dir, 'autoencoder.bin');
    const bytes = await readFile(bin);
    bytes[10] ^= 0xff;
    await writeFile(bin, bytes);
    const error: unknown = await SparseAutoencoder.load(dir, sae.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/autoencoder\.bin.*checksum/);
  });

  it('refuses weights of another width, naming the file and the weight', async () => {
    const sae = await new SparseAutoencoder({ ...small, epochs: 1 }).fit(data.x);
    const other = join(dir, 'other');
    await sae.save(other);
    const error: unknown = await SparseAutoencoder.load(other, { ...small, hiddenUnits: 8 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/autoencoder\.json.*encoder\/kernel.*\[12, 16\].*\[12, 8\]/);
  });

  it('rejects use before fit, bad options and non-finite input', async () => {
    await expect(new SparseAutoencoder(small).transform(data.x)).rejects.toThrow(/not fitted/);
    expect(() => new SparseAutoencoder({ sparsity: 'l2' as 'l1' })).toThrow(/sparsity/);
    expect(() => new SparseAutoencoder({ rho: 1.5 })).toThrow(/rho/);
    expect(() => new SparseAutoencoder({ hiddenUnit: 3 } as Partial<SparseAutoencoderOptions>)).toThrow(
      /hiddenUnit/,
    );
    const bad = { ...data.x, data: data.x.data.slice() };
    bad.data[5] = Number.NaN;
    await expect(new SparseAutoencoder(small).fit(bad)).rejects.toThrow(/row 0, column 5/);
  });
});
