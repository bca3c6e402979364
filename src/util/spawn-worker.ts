import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { IotIdsError } from '../errors.js';

/**
 * Starts a worker thread running the module `name` (without extension) beside `callerUrl` (pass
 * `import.meta.url`). Compiled code runs `name.js`. Source code (vitest, tsx) runs `name.ts`: on Node 20,
 * `execArgv: ['--import', 'tsx']` does not make a worker's .ts entry loadable (ERR_UNKNOWN_FILE_EXTENSION),
 * so a small evaluated bootstrap registers tsx's ESM hooks in the worker first and then imports the file.
 */
export function spawnWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const target = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap =
    `import(${JSON.stringify(tsxApiUrl())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(target)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function tsxApiUrl(): string {
  const require = createRequire(import.meta.url);
  // The package's "require" export of tsx/esm/api cannot register hooks from an ES module; take the .mjs.
  const api = join(dirname(require.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs');
  if (!existsSync(api)) {
    throw new IotIdsError(`running worker threads from TypeScript sources needs tsx, but ${api} is missing`);
  }
  return pathToFileURL(api).href;
}
