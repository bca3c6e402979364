/**
 * vitest global set-up: compiles the dashboard's browser modules (src/serve/dashboard/*.ts) to
 * dist/dashboard/ when any is newer than its output, so tests that open the dashboard never run a stale
 * script, whether or not `npm run build` ran since the last edit.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const sourceDir = join(root, 'src/serve/dashboard');
const outDir = join(root, 'dist/dashboard');

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

export default function setup(): void {
  const stale = readdirSync(sourceDir)
    .filter((name) => name.endsWith('.ts') || name === 'tsconfig.json')
    .some((name) => {
      const out = join(outDir, name.replace(/\.ts$/, '.js'));
      const built = name === 'tsconfig.json' ? mtime(join(outDir, 'main.js')) : mtime(out);
      return built < mtime(join(sourceDir, name));
    });
  if (!stale) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(sourceDir, 'tsconfig.json')], { stdio: 'inherit' });
}
