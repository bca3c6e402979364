import { createHash } from 'node:crypto';
import { readdir, readFile, mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { fetchDataset } from './fetch.js';
import type { DatasetDefinition, SplitFile } from './schema.js';

const plainContent = Buffer.from('1,tcp,normal\n2,udp,smurf\n3,icmp,normal\n');
const packedContent = Buffer.from('9,tcp,neptune\n8,tcp,normal\n');
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let server: Server;
let base: string;
let requests: string[];

beforeAll(async () => {
  const routes: Record<string, Buffer> = {
    '/canon/plain.csv': plainContent,
    '/canon/packed.csv.gz': gzipSync(packedContent),
    '/canon/tampered.csv': Buffer.from('1,tcp,normal\n'),
    '/mirror/toy/plain.csv.gz': gzipSync(plainContent),
  };
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (path === '/canon/broken') {
      // Promise more than is sent, then hang up mid-body.
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(1000, 97));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    const body = routes[path];
    if (!body) {
      res.writeHead(404, 'Not Found').end('no such file');
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
});

let cacheDir: string;
beforeEach(async () => {
  requests = [];
  cacheDir = await mkdtemp(join(tmpdir(), 'iot-ids-fetch-'));
});

function toyDataset(splits: SplitFile[]): DatasetDefinition {
  return {
    name: 'toy',
    title: 'Toy',
    schema: {
      name: 'toy',
      columns: [
        { name: 'n', type: 'numeric' },
        { name: 'proto', type: 'categorical' },
        { name: 'label', type: 'label' },
      ],
      header: false,
      delimiter: ',',
      taxonomy: { normal: ['normal'], categories: { smurf: 'dos', neptune: 'dos' } },
    },
    splits,
    official: { train: splits[0].name, tests: [] },
    randomSplitSource: splits[0].name,
    tasks: ['binary'],
  };
}

const plainSplit = (): SplitFile => ({
  name: 'plain',
  file: 'toy/plain.csv.gz',
  url: `${base}/canon/plain.csv`,
  sha256: sha256(plainContent),
});
const packedSplit = (): SplitFile => ({
  name: 'packed',
  file: 'toy/packed.csv.gz',
  url: `${base}/canon/packed.csv.gz`,
  sha256: sha256(packedContent),
});

/** Every entry under `cacheDir`, so leftovers (temp files included) are visible. */
async function cacheEntries(): Promise<string[]> {
  return (await readdir(cacheDir, { recursive: true })).sort();
}

async function failure(promise: Promise<unknown>): Promise<IotIdsError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IotIdsError);
  return error as IotIdsError;
}

describe('fetchDataset', () => {
  it('downloads plain and gzipped files, stores both gzipped and verifies them', async () => {
    const progress: Array<[string, number, number | undefined]> = [];
    const results = await fetchDataset(toyDataset([plainSplit(), packedSplit()]), {
      cacheDir,
      env: {},
      onProgress: (split, bytes, total) => progress.push([split, bytes, total]),
    });
    expect(results).toEqual([
      {
        split: 'plain',
        path: join(cacheDir, 'toy/plain.csv.gz'),
        sha256: sha256(plainContent),
        status: 'downloaded',
      },
      {
        split: 'packed',
        path: join(cacheDir, 'toy/packed.csv.gz'),
        sha256: sha256(packedContent),
        status: 'downloaded',
      },
    ]);
    expect(gunzipSync(await readFile(results[0].path))).toEqual(plainContent);
    expect(gunzipSync(await readFile(results[1].path))).toEqual(packedContent);
    expect(progress.at(-1)).toEqual([
      'packed',
      gzipSync(packedContent).length,
      gzipSync(packedContent).length,
    ]);
    expect(await cacheEntries()).toEqual(['toy', 'toy/packed.csv.gz', 'toy/plain.csv.gz']);
  });

  it('skips verified files that are already present, unless forced', async () => {
    const dataset = toyDataset([plainSplit()]);
    await fetchDataset(dataset, { cacheDir, env: {} });
    requests = [];
    const again = await fetchDataset(dataset, { cacheDir, env: {} });
    expect(again[0].status).toBe('already-present');
    expect(again[0].sha256).toBe(sha256(plainContent));
    expect(requests).toEqual([]);
    const forced = await fetchDataset(dataset, { cacheDir, env: {}, force: true });
    expect(forced[0].status).toBe('downloaded');
    expect(requests).toEqual(['/canon/plain.csv']);
  });

  it('replaces a damaged cached copy', async () => {
    await mkdir(join(cacheDir, 'toy'));
    await writeFile(join(cacheDir, 'toy/plain.csv.gz'), gzipSync(Buffer.from('truncated')));
    const results = await fetchDataset(toyDataset([plainSplit()]), { cacheDir, env: {} });
    expect(results[0].status).toBe('downloaded');
    expect(gunzipSync(await readFile(results[0].path))).toEqual(plainContent);
  });

  it('leaves nothing behind on a checksum mismatch and names URL and both checksums', async () => {
    const split = { ...plainSplit(), url: `${base}/canon/tampered.csv` };
    const error = await failure(fetchDataset(toyDataset([split]), { cacheDir, env: {} }));
    expect(error.message).toContain(`${base}/canon/tampered.csv`);
    expect(error.message).toContain(sha256(plainContent));
    expect(error.message).toContain(sha256(Buffer.from('1,tcp,normal\n')));
    expect(await cacheEntries()).toEqual(['toy']);
  });

  it('reports an HTTP error clearly', async () => {
    const split = { ...plainSplit(), url: `${base}/canon/gone.csv` };
    const error = await failure(fetchDataset(toyDataset([split]), { cacheDir, env: {} }));
    expect(error.message).toBe(`cannot download ${base}/canon/gone.csv: HTTP 404 Not Found`);
    expect(await cacheEntries()).toEqual(['toy']);
  });

  it('leaves nothing behind when the connection breaks mid-body', async () => {
    const split = { ...plainSplit(), url: `${base}/canon/broken` };
    const error = await failure(fetchDataset(toyDataset([split]), { cacheDir, env: {} }));
    expect(error.message).toContain(`download of ${base}/canon/broken broke off`);
    expect(await cacheEntries()).toEqual(['toy']);
  });

  it('fetches `${mirror}/${split.file}` when a mirror is given, by option or by IOT_IDS_MIRROR', async () => {
    const dataset = toyDataset([plainSplit()]);
    const viaOption = await fetchDataset(dataset, { cacheDir, env: {}, mirror: `${base}/mirror/` });
    expect(viaOption[0].status).toBe('downloaded');
    expect(requests).toEqual(['/mirror/toy/plain.csv.gz']);

    requests = [];
    const otherCache = await mkdtemp(join(tmpdir(), 'iot-ids-fetch-'));
    await fetchDataset(dataset, { cacheDir: otherCache, env: { IOT_IDS_MIRROR: `${base}/mirror` } });
    expect(requests).toEqual(['/mirror/toy/plain.csv.gz']);
  });

  it('uses IOT_IDS_CACHE_DIR when no cacheDir is given', async () => {
    const results = await fetchDataset(toyDataset([plainSplit()]), { env: { IOT_IDS_CACHE_DIR: cacheDir } });
    expect(results[0].path).toBe(join(cacheDir, 'toy/plain.csv.gz'));
  });

  it('fetches only the requested splits and refuses ones it cannot download', async () => {
    const noUrl: SplitFile = { name: 'manual', file: 'toy/manual.csv.gz', optional: true };
    const dataset = toyDataset([plainSplit(), packedSplit(), noUrl]);
    const results = await fetchDataset(dataset, { cacheDir, env: {}, splits: ['packed'] });
    expect(results.map((r) => r.split)).toEqual(['packed']);

    // By default the split without a URL is simply not selected.
    const all = await fetchDataset(dataset, { cacheDir, env: {} });
    expect(all.map((r) => r.split)).toEqual(['plain', 'packed']);

    const manual = await failure(fetchDataset(dataset, { cacheDir, env: {}, splits: ['manual'] }));
    expect(manual.kind).toBe('usage');
    expect(manual.message).toContain('no known download location');
    const unknown = await failure(fetchDataset(dataset, { cacheDir, env: {}, splits: ['nope'] }));
    expect(unknown.message).toContain('plain, packed, manual');
  });
});
