import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverDirAtomic, writeDirAtomic } from './atomic-dir.js';

const CHILD = fileURLToPath(new URL('./test-helpers/atomic-dir-child.ts', import.meta.url));

/** Runs the child until it stands between the two renames, then kills it with SIGKILL. */
async function killInsideTheGap(dir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('gap')) resolve();
    });
    void exited.then((how) => reject(new Error(`child exited (${how}) before the gap: ${stderr}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('writeDirAtomic', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'iot-ids-atomic-dir-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('recovers the new copy after a kill between its two renames, and leaves nothing behind', async () => {
    const dir = join(root, 'last');
    await killInsideTheGap(dir);
    expect(existsSync(dir)).toBe(false);
    expect(await readdir(root)).toHaveLength(2);
    const recovery = await recoverDirAtomic(dir);
    expect(recovery.restored).toBe(true);
    expect(await readFile(join(dir, 'version.txt'), 'utf8')).toBe('new');
    expect(await readdir(root)).toEqual(['last']);
  });

  it('the next write repairs the gap first and removes unfinished fills', async () => {
    const dir = join(root, 'model');
    await killInsideTheGap(dir);
    await mkdir(join(root, '.model.0123456789ab.tmp'));
    let seen = '';
    await writeDirAtomic(dir, async (temp) => {
      seen = await readFile(join(dir, 'version.txt'), 'utf8');
      await writeFile(join(temp, 'version.txt'), 'newer');
    });
    expect(seen).toBe('new');
    expect(await readFile(join(dir, 'version.txt'), 'utf8')).toBe('newer');
    expect(await readdir(root)).toEqual(['model']);
  });

  it('removes an old copy whose removal was cut short, and never a fill that may be in progress', async () => {
    const dir = join(root, 'best');
    await writeDirAtomic(dir, (temp) => writeFile(join(temp, 'version.txt'), 'kept'));
    await mkdir(join(root, '.best.aaaaaaaaaaaa.tmp.old'));
    await mkdir(join(root, '.best.bbbbbbbbbbbb.tmp'));
    const recovery = await recoverDirAtomic(dir);
    expect(recovery).toEqual({ restored: false, removed: ['.best.aaaaaaaaaaaa.tmp.old'] });
    expect((await readdir(root)).sort()).toEqual(['.best.bbbbbbbbbbbb.tmp', 'best']);
    expect(await readFile(join(dir, 'version.txt'), 'utf8')).toBe('kept');
  });
});
