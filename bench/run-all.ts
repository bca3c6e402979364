/**
 * `npm run bench`: runs every benchmark in its own process (so peak RSS is its own), one after another, and
 * prints their JSON lines and human lines. Pass names to run a subset: `npm run bench -- load random-forest`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
// side-by-side.ts needs the Python reference (bench/reference/README.md) and runs on its own.
const skip = new Set(['run-all.ts', 'seed-results.ts', 'probability-hashes.ts', 'side-by-side.ts']);
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !skip.has(f))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')));

let failed = 0;
for (const file of benches) {
  process.stderr.write(`▶ bench/${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
