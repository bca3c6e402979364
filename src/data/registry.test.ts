import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { sha256OfContent } from './fetch.js';
import { DATASETS, resolveDataset } from './registry.js';
import { labelColumnOf } from './schema.js';
import { dataAvailable } from '../../test/available.js';

describe('DATASETS', () => {
  it('declares consistent definitions', () => {
    for (const [key, dataset] of Object.entries(DATASETS)) {
      expect(dataset.name).toBe(key);
      expect(dataset.schema.name).toBe(key);
      expect(() => labelColumnOf(dataset.schema)).not.toThrow();
      const splitNames = dataset.splits.map((s) => s.name);
      expect(new Set(splitNames).size).toBe(splitNames.length);
      expect(splitNames).toContain(dataset.official.train);
      for (const test of dataset.official.tests) expect(splitNames).toContain(test);
      expect(splitNames).toContain(dataset.randomSplitSource);
      const numeric = dataset.schema.columns.filter((c) => c.type === 'numeric').map((c) => c.name);
      for (const name of dataset.schema.logColumns ?? []) expect(numeric).toContain(name);
      for (const split of dataset.splits) {
        const folder: Record<string, string> = {
          kdd99: 'kddcup99',
          'nsl-kdd-traffic': 'nsl-kdd',
          'iot-23': 'traffic/iot-23',
        };
        expect(split.file.startsWith(`${folder[dataset.name] ?? dataset.name}/`)).toBe(true);
        expect(split.file.endsWith('.gz')).toBe(true);
        if (split.sha256 !== undefined) expect(split.sha256).toMatch(/^[0-9a-f]{64}$/);
        if (!split.optional) expect(split.url, split.name).toMatch(/^https?:\/\//);
      }
    }
  });

  it('matches the documented column layouts', () => {
    const nsl = DATASETS['nsl-kdd'].schema;
    expect(nsl.columns).toHaveLength(43);
    expect(nsl.columns.slice(41)).toEqual([
      { name: 'label', type: 'label' },
      { name: 'difficulty', type: 'ignore' },
    ]);
    const kdd = DATASETS.kdd99.schema;
    expect(kdd.columns).toHaveLength(42);
    expect(kdd.labelSuffix).toBe('.');
    const unsw = DATASETS['unsw-nb15'].schema;
    expect(unsw.header).toBe(true);
    expect(unsw.columns).toHaveLength(45);
    expect(unsw.columns.filter((c) => c.type === 'categorical').map((c) => c.name)).toEqual([
      'proto',
      'service',
      'state',
    ]);
    expect(labelColumnOf(unsw).name).toBe('attack_cat');
    expect(unsw.columns.filter((c) => c.type === 'ignore').map((c) => c.name)).toEqual(['id', 'label']);
  });

  it('pins NSL-KDD downloads to a commit', () => {
    for (const split of DATASETS['nsl-kdd'].splits) {
      expect(split.url).toContain('defcom17/NSL_KDD/27bbbdf5c5cccf9970b8b6037a0f19dc09c5a0a9/');
    }
  });
});

describe('resolveDataset', () => {
  it('finds built-in datasets by name, ignoring case', async () => {
    expect(await resolveDataset('nsl-kdd')).toBe(DATASETS['nsl-kdd']);
    expect(await resolveDataset('KDD99')).toBe(DATASETS.kdd99);
  });

  it('loads a path ending in .json as a schema file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-registry-'));
    const path = join(dir, 'mine.json');
    await writeFile(
      path,
      JSON.stringify({
        name: 'mine',
        columns: [
          { name: 'x', type: 'numeric' },
          { name: 'y', type: 'label' },
        ],
        taxonomy: { normal: ['ok'] },
        splits: { all: 'all.csv' },
      }),
    );
    const dataset = await resolveDataset(path);
    expect(dataset.name).toBe('mine');
    expect(dataset.baseDir).toBe(dir);
    expect(dataset.tasks).toEqual(['binary']);
  });

  it('lists the known names for an unknown one', async () => {
    const error = await resolveDataset('nslkdd').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as IotIdsError).kind).toBe('usage');
    expect((error as Error).message).toContain('nsl-kdd, nsl-kdd-traffic, kdd99, unsw-nb15, iot-23');
  });
});

const dataDir = resolve(process.env.IOT_IDS_DATA_DIR ?? '../shared/data');

const CHECKSUM_SUITE = 'registry checksums against the real NSL-KDD test files';

describe.runIf(dataAvailable(join(dataDir, 'nsl-kdd'), CHECKSUM_SUITE))(CHECKSUM_SUITE, () => {
  for (const name of ['KDDTest+', 'KDDTest-21']) {
    it(`${name}: SHA-256 and row count of the decompressed file match`, async () => {
      const split = DATASETS['nsl-kdd'].splits.find((s) => s.name === name)!;
      const path = join(dataDir, split.file);
      expect(await sha256OfContent(path)).toBe(split.sha256);
      const text = gunzipSync(await readFile(path)).toString('utf8');
      const rows = text.split('\n').filter((line) => line.length > 0).length;
      expect(rows).toBe(split.rows);
    });
  }
});
