import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dataAvailable } from './available.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const dataDir = resolve(repo, process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const hasData = dataAvailable(
  join(dataDir, 'nsl-kdd', 'KDDTrain+_20Percent.txt.gz'),
  `${basename(import.meta.filename)} (real NSL-KDD)`,
);

/** Runs the CLI from source; resolves to { code, stdout, stderr } without throwing on non-zero exits. */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(repo, 'test/run-cli.ts'), ...args],
      {
        cwd: repo,
        env: {
          ...process.env,
          IOT_IDS_DATA_DIR: '',
          IOT_IDS_CACHE_DIR: join(tmpdir(), 'iot-ids-empty-cache'),
          ...env,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('iot-ids CLI', () => {
  it('prints help listing every command, exit 0', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const command of ['demo', 'train', 'evaluate', 'datasets', 'fetch'])
      expect(stdout).toContain(command);
  });

  it('exits 2 on a usage error and names the problem', async () => {
    const unknownModel = await cli(['train', '--model', 'nope', '--out', join(tmpdir(), 'x')]);
    expect(unknownModel.code).toBe(2);
    expect(unknownModel.stderr).toMatch(/nope/);
    const badSeed = await cli(['train', '--seed', 'abc', '--out', join(tmpdir(), 'x')]);
    expect(badSeed.code).toBe(2);
    expect(badSeed.stderr).toContain('--seed');
  });

  it('names the bad field of a config file, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-cli-'));
    const config = join(dir, 'run.json');
    await writeFile(config, JSON.stringify({ model: 'rf', modelOptions: { nEstimators: 'many' } }));
    const { code, stderr } = await cli(['train', '--config', config, '--out', join(dir, 'run')]);
    expect(code).toBe(2);
    expect(stderr).toContain(config);
    expect(stderr).toContain('nEstimators');
  });

  it('demo without data says how to get it and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-cli-'));
    const { code, stderr } = await cli([
      'demo',
      '--data-dir',
      join(dir, 'nothing-here'),
      '--out',
      join(dir, 'demo'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('iot-ids fetch nsl-kdd');
    expect(stderr).toContain('--data-dir');
  });
});

describe.runIf(hasData)('iot-ids train and evaluate on real NSL-KDD (20 % training subset)', () => {
  it('trains a small forest, writes the metrics contract, and re-evaluates the saved model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-cli-'));
    const out = join(dir, 'rf');
    const trained = await cli(
      [
        'train',
        '-d',
        'nsl-kdd',
        '-m',
        'rf',
        '-t',
        '5class',
        '-p',
        'official',
        '-s',
        '1',
        '--train-split',
        'KDDTrain+_20Percent',
        '--n-estimators',
        '20',
        '-o',
        out,
      ],
      { IOT_IDS_DATA_DIR: dataDir },
    );
    expect(trained.stderr).not.toMatch(/^error/m);
    expect(trained.code).toBe(0);
    expect(trained.stdout).toContain('KDDTest+');
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      dataset: 'nsl-kdd',
      task: '5class',
      protocol: 'official',
      model: 'rf',
      seed: 1,
    });
    expect(Object.keys(metrics.splits)).toEqual(['KDDTest+', 'KDDTest-21']);
    const plus = metrics.splits['KDDTest+'];
    expect(plus.n).toBe(22_544);
    // A forest trained on 20 % of KDDTrain+ still lands in the published range on the official test set.
    expect(plus.accuracy).toBeGreaterThan(0.7);
    expect(plus.accuracy).toBeLessThan(0.85);
    expect(plus.rocAuc.macro).toBeGreaterThan(0.8);
    expect(plus.confusion.labels).toEqual(['normal', 'dos', 'probe', 'r2l', 'u2r']);
    expect(metrics.splits['KDDTest-21'].accuracy).toBeLessThan(plus.accuracy);
    expect(metrics.cleaning.splits['KDDTest+'].rowsRejected).toBe(0);
    expect(metrics.trainSeconds).toBeGreaterThan(0);

    const evalOut = join(dir, 'eval');
    const evaluated = await cli(
      ['evaluate', '--model-dir', join(out, 'model'), '--split', 'KDDTest+', '-o', evalOut],
      {
        IOT_IDS_DATA_DIR: dataDir,
      },
    );
    expect(evaluated.code).toBe(0);
    const again = JSON.parse(await readFile(join(evalOut, 'metrics.json'), 'utf8'));
    // The saved model and pipeline reproduce the training run's scores exactly.
    expect(again.splits['KDDTest+'].accuracy).toBe(plus.accuracy);
    expect(again.splits['KDDTest+'].confusion).toEqual(plus.confusion);

    // Detection on raw records: a bad line is reported with its number and the rest is scored.
    const { gunzipSync } = await import('node:zlib');
    const lines = gunzipSync(await readFile(join(dataDir, 'nsl-kdd', 'KDDTest+.txt.gz')))
      .toString('utf8')
      .split('\n')
      .slice(0, 50);
    lines.splice(10, 0, '0,tcp,http,SF,not-a-number');
    const input = join(dir, 'flows.csv');
    await writeFile(input, `${lines.join('\n')}\n`);
    const predictions = join(dir, 'predictions.ndjson');
    const detected = await cli(['detect', '--model-dir', join(out, 'model'), '-i', input, '-o', predictions]);
    expect(detected.code).toBe(0);
    expect(detected.stderr).toMatch(/line 11: wrong column count/);
    const rows = (await readFile(predictions, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(50);
    expect(rows[10].line).toBe(12);
    expect(Object.keys(rows[0].probabilities)).toEqual(['normal', 'dos', 'probe', 'r2l', 'u2r']);
  });

  it('labels the random-split protocol as inflated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-cli-'));
    const out = join(dir, 'rf-random');
    const { code } = await cli(
      [
        'train',
        '-p',
        'random-split',
        '--train-split',
        'KDDTrain+_20Percent',
        '--n-estimators',
        '10',
        '-o',
        out,
      ],
      { IOT_IDS_DATA_DIR: dataDir },
    );
    expect(code).toBe(0);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.protocolDescription).toMatch(/INFLATED/);
    const [name] = Object.keys(metrics.splits);
    expect(name).toMatch(/random 20% hold-out/);
    expect(metrics.splits[name].accuracy).toBeGreaterThan(0.98);
  });
});

describe.runIf(hasData)('iot-ids datasets and fetch', () => {
  it('lists which files were found and where', async () => {
    const { code, stdout } = await cli(['datasets', '--data-dir', dataDir, '--json']);
    expect(code).toBe(0);
    const listing = JSON.parse(stdout) as {
      files: { dataset: string; split: string; found: boolean; source?: string }[];
    };
    const testPlus = listing.files.find((f) => f.dataset === 'nsl-kdd' && f.split === 'KDDTest+');
    expect(testPlus).toMatchObject({ found: true, source: 'flag' });
    const unswTrain = listing.files.find((f) => f.split === 'UNSW_NB15_training-set');
    expect(unswTrain?.found).toBe(false);
  });

  it('fetches a split from a mirror on loopback into the cache and verifies its checksum', async () => {
    // Serve the real, checksummed KDDTest-21 file from a local HTTP server standing in for the internet.
    const { createServer } = await import('node:http');
    const { createReadStream } = await import('node:fs');
    const server = createServer((req, res) => {
      const path = join(dataDir, decodeURIComponent((req.url ?? '/').slice(1)));
      if (!existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200);
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = (server.address() as { port: number }).port;
      const cache = await mkdtemp(join(tmpdir(), 'iot-ids-cache-'));
      const args = [
        'fetch',
        'nsl-kdd',
        '--split',
        'KDDTest-21',
        '--cache-dir',
        cache,
        '--mirror',
        `http://127.0.0.1:${port}`,
      ];
      const first = await cli(args);
      expect(first.stderr).not.toMatch(/^error/m);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/KDDTest-21: downloaded/);
      expect(existsSync(join(cache, 'nsl-kdd', 'KDDTest-21.txt.gz'))).toBe(true);
      const second = await cli(args);
      expect(second.stdout).toMatch(/KDDTest-21: already-present/);
    } finally {
      server.close();
    }
  });
});
