import { readdir, readFile, rm, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelDir } from '../models/model-dir.js';
import { makeTinyModel, tinyRows } from '../detection/test-helpers/tiny-model.js';
import { loadZeroDay, zeroDayDir } from '../models/zero-day/zero-day-dir.js';
import { trainZeroDay } from './train-zero-day.js';

describe('trainZeroDay', () => {
  let dir: string;
  let modelDir: string;
  let schemaFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zero-day-train-'));
    ({ modelDir, schemaFile } = await makeTinyModel(dir));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains on the normal training rows only, holds out validation rows and saves into zero-day/', async () => {
    const result = await trainZeroDay({
      modelDir,
      dataDir: dir,
      dataset: schemaFile,
      falsePositiveRate: 0.05,
      seed: 4,
      detector: { hiddenUnits: [4, 2], epochs: 3, batchSize: 32 },
    });
    try {
      // makeTinyModel writes tinyRows(11, 600) to train.csv; normal rows are those labelled normal.
      const normal = tinyRows(11, 600).filter((r) => r.label === 'normal').length;
      expect(result.trainRows + result.validationRows).toBe(normal);
      expect(result.validationRows).toBe(Math.round(normal * 0.1));
      expect(result.dir).toBe(zeroDayDir(modelDir));
      expect((await readdir(result.dir)).sort()).toEqual([
        'autoencoder.bin',
        'autoencoder.json',
        'zero-day.json',
      ]);

      const { manifest } = await readModelDir(modelDir);
      const loaded = await loadZeroDay(modelDir);
      expect(loaded.threshold).toBe(result.detector.threshold);
      expect(loaded.falsePositiveRate).toBe(0.05);
      expect(loaded.options.seed).toBe(4);
      expect(loaded.nFeatures).toBe(manifest.featureNames.length);
      expect(loaded.info).toMatchObject({
        pipelineSha256: manifest.files['pipeline.json'],
        trainSplit: 'train',
        trainRows: result.trainRows,
        validationRows: result.validationRows,
        epochsRun: 3,
      });
      loaded.dispose();
      // The model directory itself still verifies: zero-day/ is beside the files its manifest lists.
      await expect(readModelDir(modelDir)).resolves.toBeDefined();
    } finally {
      result.detector.dispose();
    }
  });

  it('refuses a detector trained on another pipeline', async () => {
    const settingsPath = join(zeroDayDir(modelDir), 'zero-day.json');
    const original = await readFile(settingsPath, 'utf8');
    const settings = JSON.parse(original);
    settings.info.pipelineSha256 = '0'.repeat(64);
    await writeFile(settingsPath, JSON.stringify(settings));
    await expect(loadZeroDay(modelDir)).rejects.toThrow(/another pipeline/);
    await writeFile(settingsPath, original);
  });

  it('says how to train one when the model has no zero-day detector', async () => {
    const other = await mkdtemp(join(tmpdir(), 'zero-day-none-'));
    try {
      const tiny = await makeTinyModel(other, 60);
      await expect(loadZeroDay(tiny.modelDir)).rejects.toThrow(/does not exist: train the zero-day/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('names the schema file when the model dataset is not built in', async () => {
    await expect(trainZeroDay({ modelDir, dataDir: dir })).rejects.toThrow(/"tiny", which is not built in/);
  });
});
