import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchHeadlessChromium } from '../../test/headless-chromium.js';
import { postRecords, startTinyServer, tinyRecords, type TinyServer } from './test-helpers/tiny-server.js';
import { available } from '../../test/available.js';

/** Screenshots go to a git-ignored folder of the repository unless told otherwise. */
const screenshotDir =
  process.env.IOT_IDS_SCREENSHOT_DIR ?? join(import.meta.dirname, '../../reports/screenshots');

/** Test metrics as `iot-ids train` writes them beside the model directory (only the fields shown). */
const METRICS = {
  formatVersion: 1,
  protocol: 'official',
  protocolDescription: 'official: train on train.csv, test on test.csv',
  trainSplit: 'train',
  trainRows: 600,
  createdAt: '2026-01-01T00:00:00.000Z',
  splits: {
    test: {
      n: 300,
      accuracy: 0.97,
      f1: { macro: 0.965, weighted: 0.97 },
      rocAuc: { macro: 0.995 },
      perClass: {
        normal: { precision: 0.98, recall: 0.97, f1: 0.975, support: 100 },
        dos: { precision: 0.96, recall: 0.98, f1: 0.97, support: 100 },
        probe: { precision: 0.97, recall: 0.96, f1: 0.965, support: 100 },
      },
    },
  },
};

const SUITE = 'dashboard in headless Chromium';

describe.runIf(available(CHROMIUM, SUITE, 'Chromium'))(SUITE, () => {
  let profile: string;
  let browser: BrowserContext;
  let tiny: TinyServer;

  beforeAll(async () => {
    tiny = await startTinyServer({ rateLimit: false, sourceField: 'sensor' });
    await writeFile(join(dirname(tiny.modelDir), 'metrics.json'), JSON.stringify(METRICS));
    // Earlier traffic, so the chart and the feed have something to show on load.
    const sensors = ['gw-kitchen', 'gw-garage', 'cam-03'];
    for (const [i, sensor] of sensors.entries()) {
      const records = [
        ...tinyRecords(10 + i, 40 * (i + 1), 'dos'),
        ...tinyRecords(20 + i, 15, 'probe'),
        ...tinyRecords(30 + i, 30, 'normal'),
      ].map((r) => ({ ...r, sensor }));
      expect((await postRecords(tiny.url, records)).status).toBe(200);
    }
    profile = await mkdtemp(join(tmpdir(), 'iot-ids-dashboard-profile-'));
    browser = await launchHeadlessChromium(profile, {
      viewport: { width: 1400, height: 1000 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await tiny?.cleanup();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function open(url: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, requests, errors };
  }

  it('shows the model, its test metrics, counts by class and a live alert feed', async () => {
    const { page, requests, errors } = await open(tiny.url);
    await page.locator('#conn-text', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#feed tr').count()).toBe(6);
    expect(await page.locator('#model').textContent()).toContain('tiny');
    expect(await page.locator('#metrics').textContent()).toContain('97.0%');
    const stats = await page.locator('#stats').textContent();
    expect(stats).toContain('dos');
    // 40 + 80 + 120 dos records from three sensors.
    expect(stats).toContain('240');
    expect(await page.locator('#chart svg rect').count()).toBeGreaterThan(0);
    const firstRow = await page.locator('#feed tr').first().textContent();
    expect(firstRow).toContain('signal');

    // A record from a new sensor arrives while the page is open: it shows up without a reload.
    const live = tinyRecords(40, 3, 'probe').map((r) => ({ ...r, sensor: '<img src=x onerror=alert(1)>' }));
    expect((await postRecords(tiny.url, live)).status).toBe(200);
    await expect.poll(() => page.locator('#feed tr').count()).toBe(7);
    // Shown as text, never parsed as HTML.
    expect(await page.locator('#feed tr').first().textContent()).toContain('<img src=x');
    expect(await page.locator('#feed img').count()).toBe(0);

    const origin = new URL(tiny.url).origin;
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.waitForTimeout(1700); // let the new-row highlight fade before the picture
    await mkdir(screenshotDir, { recursive: true });
    const shot = join(screenshotDir, 'iot-ids-dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('asks for the token when the service requires one', async () => {
    const token = 'dashboard-token-0123456789';
    const guarded = await startTinyServer({ rateLimit: false, token });
    try {
      expect(
        (await postRecords(guarded.url, tinyRecords(50, 2, 'dos'), { authorization: `Bearer ${token}` }))
          .status,
      ).toBe(200);
      const { page, errors } = await open(guarded.url);
      await page.locator('#token-panel').waitFor({ state: 'visible', timeout: 10_000 });
      await page.fill('#token-input', token);
      await page.click('#token-form button');
      await page.locator('#conn-text', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      await expect.poll(() => page.locator('#feed tr').count()).toBe(1);
      expect(await page.locator('#token-panel').isVisible()).toBe(false);
      // The failed first attempt logs a 401; nothing else may go wrong.
      expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
      await page.close();
    } finally {
      await guarded.cleanup();
    }
  });
});
