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
      process.stdout.write('gap\n');
    }),
});
