/**
 * `node --import tsx atomic-dir-child.ts <dir>`: writes `<dir>` with `version.txt` = "old", then starts
 * replacing it with "new" and stops between the two renames, printing `gap` — for a test to kill it there.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDirAtomic } from '../atomic-dir.js';

const dir = process.argv[2];
await writeDirAtomic(dir, (temp) => writeFile(join(temp, 'version.txt'), 'old'));
await writeDirAtomic(dir, (temp) => writeFile(join(temp, 'version.txt'), 'new'), {
  betweenRenames: () =>
    new Promise<void>(() => {
      // A pending timer keeps the process alive in the gap: a bare never-settling promise would let Node
      // exit on its own (code 13, unsettled top-level await) before the test's SIGKILL arrives.
      setTimeout(() => process.exit(3), 60_000);
      process.stdout.write('gap\n');
    }),
});
