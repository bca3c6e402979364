import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the dashboard as served: its body and content type. */
export interface DashboardAsset {
  body: string;
  type: string;
}

/**
 * The repository (or installed package) root: this module sits two levels below it both as source
 * (src/serve/) and compiled (dist/serve/), so tests running the source and the CLI running dist/ find the
 * same files.
 */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm run build` compiles the dashboard's browser modules (src/serve/dashboard/*.ts). */
export const DASHBOARD_SCRIPT_DIR = 'dist/dashboard';

/**
 * Reads the dashboard once at start-up, by URL path: `/` (src/serve/dashboard/index.html), its stylesheet
 * and the compiled browser modules (`/dashboard/*.js` from dist/dashboard/). A checkout whose modules were
 * never compiled still serves the API: the missing script is reported through `log` and the page says
 * nothing more than its shell.
 */
export async function loadDashboardAssets(
  log: (message: string) => void,
  root = PACKAGE_ROOT,
): Promise<ReadonlyMap<string, DashboardAsset>> {
  const pageDir = join(root, 'src/serve/dashboard');
  const assets = new Map<string, DashboardAsset>([
    ['/', { body: await readFile(join(pageDir, 'index.html'), 'utf8'), type: 'text/html; charset=utf-8' }],
    [
      '/dashboard/dashboard.css',
      { body: await readFile(join(pageDir, 'dashboard.css'), 'utf8'), type: 'text/css; charset=utf-8' },
    ],
  ]);
  const scriptDir = join(root, DASHBOARD_SCRIPT_DIR);
  const scripts = await readdir(scriptDir).catch(() => [] as string[]);
  for (const name of scripts.filter((n) => n.endsWith('.js'))) {
    assets.set(`/dashboard/${name}`, {
      body: await readFile(join(scriptDir, name), 'utf8'),
      type: 'text/javascript; charset=utf-8',
    });
  }
  if (!assets.has('/dashboard/main.js')) {
    log(
      `the dashboard's script is not built (${join(scriptDir, 'main.js')} is missing): run \`npm run build\`; ` +
        'the API works without it',
    );
  }
  return assets;
}
