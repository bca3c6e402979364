import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Fills a directory so that readers only ever see the old one or the complete new one: `fill` writes into a
 * sibling temporary directory, which then replaces `dir` by rename. A crash mid-write leaves `dir` as it was.
 */
export async function writeDirAtomic<T>(dir: string, fill: (tempDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(dir), { recursive: true });
  const temp = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(temp, { recursive: true });
    const result = await fill(temp);
    const old = `${temp}.old`;
    const hadOld = await exists(dir);
    if (hadOld) await rename(dir, old);
    await rename(temp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
