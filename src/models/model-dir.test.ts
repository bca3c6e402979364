import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Table } from '../data/table.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { argmaxRows, type Classifier } from './estimator.js';
import { readModelDir, saveModelDir, type ManifestInfo } from './model-dir.js';

/** A fixed-weights linear scorer: enough to exercise the directory format without a real model. */
class FixedScorer implements Classifier<{ bias: number }> {
  readonly kind = 'fixed';
  readonly outputKind = 'probabilities';
  fitted = true;
  constructor(readonly options: { bias: number }) {}
  fit(): Promise<this> {
    return Promise.resolve(this);
  }
  predictProba(x: Matrix): Promise<Matrix> {
    const out = createMatrix(x.rows, 2);
    for (let i = 0; i < x.rows; i++) {
      out.data[i * 2] = 1 - x.data[i * x.cols];
      out.data[i * 2 + 1] = x.data[i * x.cols];
    }
    return Promise.resolve(out);
  }
  async predict(x: Matrix): Promise<Int32Array> {
    return argmaxRows(await this.predictProba(x));
  }
  async save(dir: string): Promise<string[]> {
    await writeFileAtomic(join(dir, 'weights.bin'), new Uint8Array([1, 2, 3, this.options.bias]));
    return ['weights.bin'];
  }
  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

const table: Table = {
  nRows: 3,
  features: [
    { kind: 'numeric', name: 'bytes', values: new Float32Array([0, 5, 10]) },
    { kind: 'categorical', name: 'proto', codes: new Int32Array([0, 1, 0]), categories: ['tcp', 'udp'] },
  ],
  label: {
    kind: 'categorical',
    name: 'label',
    codes: new Int32Array([0, 1, 0]),
    categories: ['normal', 'smurf'],
  },
  lineNumbers: new Uint32Array([1, 2, 3]),
};

async function savedModel(): Promise<{ dir: string; info: ManifestInfo }> {
  const root = await mkdtemp(join(tmpdir(), 'iot-ids-model-'));
  const pipeline = new FeaturePipeline().fit(table);
  const info: ManifestInfo = {
    dataset: 'toy',
    task: 'binary',
    protocol: 'official',
    seed: 1,
    classes: ['normal', 'attack'],
    inputColumns: [
      { name: 'bytes', type: 'numeric' },
      { name: 'proto', type: 'categorical' },
      { name: 'label', type: 'label' },
    ],
    featureNames: pipeline.featureNames,
  };
  const dir = join(root, 'model');
  await saveModelDir(dir, new FixedScorer({ bias: 7 }), pipeline, info);
  return { dir, info };
}

describe('model directory', () => {
  it('round-trips manifest and pipeline, leaving no temporary files', async () => {
    const { dir } = await savedModel();
    const { manifest, pipeline } = await readModelDir(dir);
    expect(manifest.kind).toBe('fixed');
    expect(manifest.options).toEqual({ bias: 7 });
    expect(Object.keys(manifest.files).sort()).toEqual(['pipeline.json', 'weights.bin']);
    expect(pipeline.transform(table).x.data).toEqual(
      new FeaturePipeline().fit(table).transform(table).x.data,
    );
    const siblings = await readdir(join(dir, '..'));
    expect(siblings).toEqual(['model']);
  });

  it('replaces an existing model directory whole', async () => {
    const { dir, info } = await savedModel();
    await saveModelDir(dir, new FixedScorer({ bias: 9 }), new FeaturePipeline().fit(table), info);
    expect((await readModelDir(dir)).manifest.options).toEqual({ bias: 9 });
    expect(await readdir(join(dir, '..'))).toEqual(['model']);
  });

  it('rejects a tampered weight file, naming it', async () => {
    const { dir } = await savedModel();
    await writeFile(join(dir, 'weights.bin'), new Uint8Array([9, 9, 9, 9]));
    await expect(readModelDir(dir)).rejects.toThrow(/weights\.bin.*checksum mismatch/);
  });

  it('rejects a missing file, naming it', async () => {
    const { dir } = await savedModel();
    await rm(join(dir, 'pipeline.json'));
    await expect(readModelDir(dir)).rejects.toThrow(/pipeline\.json.*missing/);
  });

  it('rejects a directory without a manifest and a manifest with a bad field', async () => {
    const { dir } = await savedModel();
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, JSON.stringify({ ...manifest, classes: 'normal' }));
    await expect(readModelDir(dir)).rejects.toThrow(/manifest\.json.*field "classes"/);
    await writeFile(manifestPath, JSON.stringify({ ...manifest, formatVersion: 99 }));
    await expect(readModelDir(dir)).rejects.toThrow(/format version 99/);
    await rm(manifestPath);
    await expect(readModelDir(dir)).rejects.toThrow(/not a model directory/);
  });

  it('refuses file names that would escape the directory', async () => {
    const { dir } = await savedModel();
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.files['../../etc/passwd'] = 'a'.repeat(64);
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(readModelDir(dir)).rejects.toThrow(/not allowed/);
  });
});
