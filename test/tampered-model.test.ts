import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyModel, tinyLine, tinyRows } from '../src/detection/test-helpers/tiny-model.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');

async function detect(modelDir: string, input: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(
      process.execPath,
      ['--import', 'tsx', join(repo, 'test/run-cli.ts'), 'detect', '--model-dir', modelDir, '-i', input],
      {
        cwd: repo,
        timeout: 60_000,
      },
    );
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

/** Ways a model directory gets tampered with; each must end in a one-line error, never a stack trace. */
const TAMPERINGS: [string, (dir: string, file: string) => Promise<void>][] = [
  [
    'a model file replaced by a directory',
    async (dir, file) => {
      await rm(join(dir, file));
      await mkdir(join(dir, file));
    },
  ],
  [
    'a model file symlinked to /dev/zero',
    async (dir, file) => {
      await rm(join(dir, file));
      await symlink('/dev/zero', join(dir, file));
    },
  ],
  [
    'the manifest symlinked to a device',
    async (dir) => {
      await rm(join(dir, 'manifest.json'));
      await symlink('/dev/null', join(dir, 'manifest.json'));
    },
  ],
  [
    'the manifest replaced by a FIFO',
    async (dir) => {
      await rm(join(dir, 'manifest.json'));
      execFileSync('mkfifo', [join(dir, 'manifest.json')]);
    },
  ],
  [
    'the manifest replaced by a directory',
    async (dir) => {
      await rm(join(dir, 'manifest.json'));
      await mkdir(join(dir, 'manifest.json'));
    },
  ],
];

describe('detect with a tampered model directory', () => {
  let root: string;
  let modelDir: string;
  let input: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'iot-ids-tampered-'));
    ({ modelDir } = await makeTinyModel(root, 200));
    input = join(root, 'input.csv');
    await writeFile(
      input,
      `${tinyRows(5, 5)
        .map((r) => tinyLine(r, 'features-only'))
        .join('\n')}\n`,
    );
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(TAMPERINGS)('%s: exit 1 with a message naming the file, no stack trace', async (_name, tamper) => {
    const dir = await mkdtemp(join(root, 'case-'));
    await cp(modelDir, dir, { recursive: true });
    const file = (await readdir(dir)).find((n) => n !== 'manifest.json' && n !== 'pipeline.json')!;
    await tamper(dir, file);
    const { code, stderr } = await detect(dir, input);
    expect(code).toBe(1);
    expect(stderr).toMatch(/not a regular file/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
