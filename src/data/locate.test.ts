import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { dataSearchPath, describeDatasets, locateSplit, requireSplit, userCacheDir } from './locate.js';
import { DATASETS } from './registry.js';
import type { DatasetDefinition } from './schema.js';

describe('userCacheDir', () => {
  it('prefers IOT_IDS_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(userCacheDir({ IOT_IDS_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(userCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/iot-ids/data');
    expect(userCacheDir({ HOME: '/h' })).toBe('/h/.cache/iot-ids/data');
    expect(userCacheDir({})).toBe(join(homedir(), '.cache', 'iot-ids', 'data'));
  });
});

describe('dataSearchPath', () => {
  it('orders --data-dir, IOT_IDS_DATA_DIR, then the cache', () => {
    expect(dataSearchPath('/flag', { IOT_IDS_DATA_DIR: '/env', IOT_IDS_CACHE_DIR: '/cache' })).toEqual([
      { dir: '/flag', source: 'flag' },
      { dir: '/env', source: 'env' },
      { dir: '/cache', source: 'cache' },
    ]);
    expect(dataSearchPath(undefined, { IOT_IDS_CACHE_DIR: '/cache' })).toEqual([
      { dir: '/cache', source: 'cache' },
    ]);
  });
});

describe('locateSplit / requireSplit', () => {
  let root: string;
  const nsl = DATASETS['nsl-kdd'];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'iot-ids-locate-'));
    for (const dir of ['flag/nsl-kdd', 'env/nsl-kdd', 'cache/nsl-kdd', 'user/sub']) {
      await mkdir(join(root, dir), { recursive: true });
    }
    await writeFile(join(root, 'env/nsl-kdd/KDDTest+.txt.gz'), 'x');
    await writeFile(join(root, 'cache/nsl-kdd/KDDTest+.txt.gz'), 'x');
    await writeFile(join(root, 'flag/nsl-kdd/KDDTest-21.txt'), 'x'); // the uncompressed name
    await writeFile(join(root, 'cache/nsl-kdd/KDDTest-21.txt.gz'), 'x');
    await writeFile(join(root, 'user/sub/flows.csv'), 'x');
    await writeFile(join(root, 'cache/flows2.csv.gz'), 'x');
  });

  const searchPath = () =>
    dataSearchPath(join(root, 'flag'), {
      IOT_IDS_DATA_DIR: join(root, 'env'),
      IOT_IDS_CACHE_DIR: join(root, 'cache'),
    });

  it('returns the first hit in search order', async () => {
    expect(await locateSplit(nsl, 'KDDTest+', searchPath())).toEqual({
      path: join(root, 'env/nsl-kdd/KDDTest+.txt.gz'),
      source: 'env',
    });
  });

  it('accepts the name without .gz', async () => {
    expect(await locateSplit(nsl, 'KDDTest-21', searchPath())).toEqual({
      path: join(root, 'flag/nsl-kdd/KDDTest-21.txt'),
      source: 'flag',
    });
  });

  it('resolves user schema files against their folder first, then the search path', async () => {
    const user: DatasetDefinition = {
      ...nsl,
      name: 'user',
      baseDir: join(root, 'user'),
      splits: [
        { name: 'a', file: 'sub/flows.csv' },
        { name: 'b', file: 'flows2.csv' },
        { name: 'c', file: join(root, 'user/sub/flows.csv.gz') },
      ],
    };
    expect(await locateSplit(user, 'a', searchPath())).toEqual({
      path: join(root, 'user/sub/flows.csv'),
      source: 'schema',
    });
    expect(await locateSplit(user, 'b', searchPath())).toEqual({
      path: join(root, 'cache/flows2.csv.gz'),
      source: 'cache',
    });
    // Absolute path declared with .gz, found without it.
    expect(await locateSplit(user, 'c', searchPath())).toEqual({
      path: join(root, 'user/sub/flows.csv'),
      source: 'schema',
    });
  });

  it('says where it looked and how to get a missing file', async () => {
    expect(await locateSplit(nsl, 'KDDTrain+', searchPath())).toBeUndefined();
    const error = await requireSplit(nsl, 'KDDTrain+', searchPath()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    const message = (error as Error).message;
    expect(message).toContain('iot-ids fetch nsl-kdd');
    expect(message).toContain('--data-dir');
    expect(message).toContain(join(root, 'flag/nsl-kdd/KDDTrain+.txt.gz'));
    expect(message).toContain(join(root, 'env/nsl-kdd/KDDTrain+.txt'));
    expect(message).toContain(join(root, 'cache/nsl-kdd/KDDTrain+.txt.gz'));
  });

  it('does not suggest fetch for a split without a download location', async () => {
    const message = await requireSplit(DATASETS['unsw-nb15'], 'UNSW_NB15_training-set', searchPath()).catch(
      (e: Error) => e.message,
    );
    expect(message).not.toContain('iot-ids fetch');
    expect(message).toContain('No download location is known');
  });

  it('rejects an unknown split name, listing the real ones', async () => {
    await expect(locateSplit(nsl, 'KDDTest', searchPath())).rejects.toThrow(
      /KDDTrain\+, KDDTest\+, KDDTest-21/,
    );
  });

  it('describes every built-in split', async () => {
    const statuses = await describeDatasets(searchPath());
    const total = Object.values(DATASETS).reduce((n, d) => n + d.splits.length, 0);
    expect(statuses).toHaveLength(total);
    expect(statuses.find((s) => s.split === 'KDDTest+')).toMatchObject({
      dataset: 'nsl-kdd',
      found: true,
      source: 'env',
      rows: 22544,
    });
    expect(statuses.find((s) => s.split === 'corrected')).toMatchObject({ dataset: 'kdd99', found: false });
  });
});
