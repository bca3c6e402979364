import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDashboardAssets } from './dashboard-assets.js';
import { startTinyServer, type TinyServer } from './test-helpers/tiny-server.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iot-ids-dashboard-assets-'));
  await mkdir(join(root, 'src/serve/dashboard'), { recursive: true });
  await writeFile(join(root, 'src/serve/dashboard/index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(root, 'src/serve/dashboard/dashboard.css'), 'body { margin: 0; }');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadDashboardAssets', () => {
  it('reports a checkout whose browser modules were never compiled, and still serves the page', async () => {
    const logs: string[] = [];
    const assets = await loadDashboardAssets((m) => logs.push(m), root);
    expect([...assets.keys()]).toEqual(['/', '/dashboard/dashboard.css']);
    expect(logs.join('\n')).toMatch(
      /dashboard's script is not built .*main\.js is missing\): run `npm run build`/,
    );
  });

  it('serves the page, its stylesheet and every compiled module by URL path, with their types', async () => {
    await mkdir(join(root, 'dist/dashboard'), { recursive: true });
    await writeFile(join(root, 'dist/dashboard/main.js'), "import './chart.js';");
    await writeFile(join(root, 'dist/dashboard/chart.js'), 'export {};');
    await writeFile(join(root, 'dist/dashboard/notes.txt'), 'not a module');
    const logs: string[] = [];
    const assets = await loadDashboardAssets((m) => logs.push(m), root);
    expect([...assets.keys()].sort()).toEqual([
      '/',
      '/dashboard/chart.js',
      '/dashboard/dashboard.css',
      '/dashboard/main.js',
    ]);
    expect(assets.get('/')!.type).toBe('text/html; charset=utf-8');
    expect(assets.get('/dashboard/dashboard.css')!.type).toBe('text/css; charset=utf-8');
    expect(assets.get('/dashboard/main.js')).toEqual({
      body: "import './chart.js';",
      type: 'text/javascript; charset=utf-8',
    });
    expect(logs).toEqual([]);
  });

  it("the repository's page loads its stylesheet and entry module, and every module import is served", async () => {
    // The test set-up (test/build-dashboard.ts) compiled src/serve/dashboard/*.ts to dist/dashboard/.
    const assets = await loadDashboardAssets(() => {});
    const page = assets.get('/')!.body;
    expect(page).toContain('href="/dashboard/dashboard.css"');
    expect(page).toContain('<script type="module" src="/dashboard/main.js"></script>');
    expect(page).not.toMatch(/<script>|<style>|\son[a-z]+=/); // nothing inline: the CSP forbids it
    for (const [path, asset] of assets) {
      if (!path.endsWith('.js')) continue;
      for (const [, target] of asset.body.matchAll(/\bfrom '\.\/([\w-]+\.js)'/g)) {
        expect(assets.has(`/dashboard/${target}`), `${path} imports ${target}`).toBe(true);
      }
    }
  });
});

describe('the dashboard over HTTP, with a token configured', () => {
  const token = 'dashboard-assets-token-0123';
  let tiny: TinyServer;
  beforeAll(async () => {
    tiny = await startTinyServer({ rateLimit: false, token });
  });
  afterAll(async () => {
    await tiny.cleanup();
  });

  it('serves its files without the token, under a CSP that allows only its own origin', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/dashboard/dashboard.css', 'text/css'],
      ['/dashboard/main.js', 'text/javascript'],
      ['/dashboard/feed.js', 'text/javascript'],
    ]) {
      const res = await fetch(`${tiny.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('asks for the token on anything else under /dashboard/ and on the API', async () => {
    expect((await fetch(`${tiny.url}/dashboard/missing.js`)).status).toBe(401);
    expect((await fetch(`${tiny.url}/dashboard/../v1/alerts`)).status).toBe(401);
    expect((await fetch(`${tiny.url}/v1/capture`)).status).toBe(401);
    const missing = await fetch(`${tiny.url}/dashboard/missing.js`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(missing.status).toBe(404);
  });
});
