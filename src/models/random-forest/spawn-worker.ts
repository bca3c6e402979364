import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IotIdsError } from '../../errors.js';
import type { WorkerInit } from './worker-protocol.js';

/**
 * Starts a forest worker. Compiled code runs `worker.js` beside this file. Source code (vitest, tsx) runs
 * `worker.ts`: on Node 20, `execArgv: ['--import', 'tsx']` does not make a worker's .ts entry loadable
 * (ERR_UNKNOWN_FILE_EXTENSION), so a small evaluated bootstrap registers tsx's ESM hooks in the worker
 * first and then imports the .ts file.
 */
export function spawnForestWorker(init: WorkerInit): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { workerData: init });
  const target = new URL('./worker.ts', here).href;
  const bootstrap =
    `import(${JSON.stringify(tsxApiUrl())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  // The package's "require" export of tsx/esm/api cannot register hooks from an ES module; take the .mjs.
  const api = join(dirname(require.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs');
  if (!existsSync(api)) {
    throw new IotIdsError(`random forest: running from TypeScript sources needs tsx, but ${api} is missing`);
  }
  return pathToFileURL(api).href;
}
