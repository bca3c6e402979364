import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

async function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', join(repo, 'test/run-cli.ts'), ...args], {
    cwd: repo,
    env: { ...process.env, IOT_IDS_DATA_DIR: dataDir },
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe.runIf(hasData)('iot-ids compare and report', () => {
  it('runs a grid over seeds, writes results and a report, and resumes keeping finished runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-compare-'));
    const config = join(dir, 'tiny.json');
    await writeFile(
      config,
      JSON.stringify({
        name: 'tiny',
        grid: { dataset: ['nsl-kdd'], model: ['rf'], task: ['5class', 'binary'], protocol: ['official'] },
        options: { rf: { nEstimators: 8 } },
        trainSplit: 'KDDTrain+_20Percent',
      }),
    );
    const out = join(dir, 'out');
    const first = await cli(['compare', '-c', config, '--seeds', '2', '-o', out]);
    expect(first.stdout).toMatch(/4 runs \(0 kept/);
    // The summary table on the console: one line per cell and test split, mean ± std over the 2 seeds.
    expect(first.stdout).toMatch(/^model\s+dataset\s+task\s+protocol\s+split\s+seeds\s+accuracy/m);
    expect(first.stdout).toMatch(
      /^rf\s+nsl-kdd\s+5class\s+official\s+KDDTest\+\s+2\s+\d+\.\d\d ± \d+\.\d\d %/m,
    );
    expect(first.stdout.match(/^rf\s+nsl-kdd\s/gm)).toHaveLength(4);
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    expect(results.runs).toHaveLength(4);
    const cell = results.cells.find(
      (c: { task: string; split: string }) => c.task === '5class' && c.split === 'KDDTest+',
    );
    expect(cell.n).toBe(2);
    expect(cell.metrics.accuracy.n).toBe(2);
    expect(cell.metrics.accuracy.mean).toBeGreaterThan(0.65);
    expect(cell.metrics.accuracy.std).toBeGreaterThanOrEqual(0);
    expect(cell.metrics.accuracy.ci95.low).toBeLessThanOrEqual(cell.metrics.accuracy.mean);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\//);

    // A run interrupted before metrics.json is redone; finished runs are kept.
    await rm(join(out, 'runs', 'nsl-kdd__binary__official__rf__seed2', 'metrics.json'));
    const second = await cli(['compare', '-c', config, '--seeds', '2', '-o', out]);
    expect(second.stdout).toMatch(/4 runs \(3 kept/);

    // The single-run report of one of those runs.
    const runDir = join(out, 'runs', 'nsl-kdd__5class__official__rf__seed1');
    const single = await cli(['report', runDir]);
    expect(single.stdout).toContain('report.html');
    expect(await readFile(join(runDir, 'report.html'), 'utf8')).toContain('KDDTest-21');
  }, 240_000); // Trains and scores a small grid end to end; a loaded 2-core machine needs minutes.
});
