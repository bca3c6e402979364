import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface WriteDirAtomicOptions {
  /**
   * Called between moving the old directory aside and moving the new one in — the one moment `dir` is
   * missing. Only tests use it, to kill the process right there.
   */
  betweenRenames?: () => Promise<void>;
}

/**
 * Fills a directory so that readers only ever see the old one or the complete new one: `fill` writes into a
 * sibling temporary directory `.<name>.<id>.tmp`, which then replaces `dir` by two renames (`dir` →
 * `.<name>.<id>.tmp.old`, temporary → `dir`). A crash mid-fill leaves `dir` as it was. A crash between the
 * renames leaves `dir` missing but both complete copies beside it; `recoverDirAtomic` (called by this
 * function and by readers of such directories) moves the new one in. One writer per directory at a time.
 */
export async function writeDirAtomic<T>(
  dir: string,
  fill: (tempDir: string) => Promise<T>,
  options: WriteDirAtomicOptions = {},
): Promise<T> {
  await mkdir(dirname(dir), { recursive: true });
  await recoverDirAtomic(dir, { removeUnfinished: true });
  const temp = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(temp, { recursive: true });
    const result = await fill(temp);
    const old = `${temp}.old`;
    const hadOld = await exists(dir);
    if (hadOld) await rename(dir, old);
    await options.betweenRenames?.();
    await rename(temp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** What `recoverDirAtomic` found and did. */
export interface DirRecovery {
  /** A crash between the renames was repaired: the new copy was moved into place. */
  restored: boolean;
  /** Leftover temporary directories removed. */
  removed: string[];
}

/**
 * Repairs what a crashed `writeDirAtomic` left beside `dir`. The leftovers are unambiguous: a `.tmp.old`
 * exists only once its `.tmp` was complete (the old directory is moved aside after the fill), so
 * - `dir` missing, `X.tmp` and `X.tmp.old` present: the crash hit between the renames; `X.tmp` (the new,
 *   complete copy) becomes `dir`, `X.tmp.old` is removed;
 * - `dir` missing, only `X.tmp.old`: impossible unless someone moved things by hand; it is moved back;
 * - `dir` present: any `X.tmp.old` is the previous copy whose removal was cut short; it is removed.
 * A `.tmp` without `.old` may be a fill in progress, so it is removed only with `removeUnfinished` (the
 * writer does that before it starts; readers never do).
 */
export async function recoverDirAtomic(
  dir: string,
  options: { removeUnfinished?: boolean } = {},
): Promise<DirRecovery> {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.`;
  let names: string[];
  try {
    names = (await readdir(parent)).filter(
      (n) => n.startsWith(prefix) && /\.[0-9a-f]{12}\.tmp(\.old)?$/.test(n),
    );
  } catch {
    return { restored: false, removed: [] };
  }
  const olds = names.filter((n) => n.endsWith('.tmp.old'));
  const temps = new Set(names.filter((n) => n.endsWith('.tmp')));
  const recovery: DirRecovery = { restored: false, removed: [] };
  if (!(await exists(dir))) {
    // Newest pair first would need times; there is one writer per directory, so there is one pair.
    const old = olds[0];
    if (old !== undefined) {
      const pairedTemp = old.slice(0, -'.old'.length);
      if (temps.has(pairedTemp)) {
        await rename(join(parent, pairedTemp), dir);
        temps.delete(pairedTemp);
      } else {
        await rename(join(parent, old), dir);
        olds.shift();
      }
      recovery.restored = true;
    }
  }
  const leftovers = [...olds, ...(options.removeUnfinished ? temps : [])];
  for (const name of leftovers) {
    await rm(join(parent, name), { recursive: true, force: true });
    recovery.removed.push(name);
  }
  return recovery;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
