import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
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
    manifest.fileSizes['../../etc/passwd'] = 10;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(readModelDir(dir)).rejects.toThrow(/not allowed/);
  });

  it('refuses a manifest whose classes were swapped: the digest covers the manifest', async () => {
    const { dir } = await savedModel();
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.classes = [...manifest.classes].reverse();
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(readModelDir(dir)).rejects.toThrow(/manifest\.json.*digest mismatch/);
  });

  it('refuses a file the manifest does not list, and an entry removed from the list', async () => {
    const { dir } = await savedModel();
    await writeFile(join(dir, 'extra.bin'), 'x');
    await expect(readModelDir(dir)).rejects.toThrow(/extra\.bin.*not listed in the manifest/);
    await rm(join(dir, 'extra.bin'));
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    delete manifest.files['weights.bin'];
    delete manifest.fileSizes['weights.bin'];
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expect(readModelDir(dir)).rejects.toThrow(/digest mismatch|not listed/);
  });

  it('refuses a model file that is a symbolic link to a device, without reading it', async () => {
    const { dir } = await savedModel();
    await rm(join(dir, 'weights.bin'));
    await symlink('/dev/zero', join(dir, 'weights.bin'));
    const error = await readModelDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/weights\.bin.*not a regular file/);
  });

  it('refuses a manifest that is a FIFO or a device instead of hanging', { timeout: 10_000 }, async () => {
    const { dir } = await savedModel();
    const manifestPath = join(dir, 'manifest.json');
    await rm(manifestPath);
    execFileSync('mkfifo', [manifestPath]);
    await expect(readModelDir(dir)).rejects.toThrow(/manifest\.json.*not a regular file/);
    await rm(manifestPath);
    await symlink('/dev/zero', manifestPath);
    await expect(readModelDir(dir)).rejects.toThrow(/manifest\.json.*not a regular file/);
  });

  it('refuses a file larger than the manifest says, and a directory where a file belongs', async () => {
    const { dir } = await savedModel();
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(1_000_000));
    await expect(readModelDir(dir)).rejects.toThrow(/weights\.bin.*1000000 bytes.*manifest says 4/);
    await rm(join(dir, 'weights.bin'));
    await mkdir(join(dir, 'weights.bin'));
    const error = await readModelDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/weights\.bin.*not a regular file \(a directory\)/);
  });

  it('refuses a manifest of format 1 (no digest) with a clear message', async () => {
    const { dir } = await savedModel();
    const manifestPath = join(dir, 'manifest.json');
    const {
      digest: _digest,
      fileSizes: _sizes,
      ...manifest
    } = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, JSON.stringify({ ...manifest, formatVersion: 1 }));
    await expect(readModelDir(dir)).rejects.toThrow(/format version 1.*no manifest digest.*train/);
  });

  it("reads a model directory that a crash between writeDirAtomic's renames left missing", async () => {
    const { dir } = await savedModel();
    const parent = join(dir, '..');
    await rename(dir, join(parent, '.model.0123456789ab.tmp'));
    await mkdir(join(parent, '.model.0123456789ab.tmp.old'));
    expect((await readModelDir(dir)).manifest.kind).toBe('fixed');
    expect(await readdir(parent)).toEqual(['model']);
  });
});
