import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchHeadlessChromium } from '../../test/headless-chromium.js';
import { extractFigures } from './html/figure.js';
import { buildCompareReport, buildRunReport } from './html-report.js';
import { buildResultsFile } from './results-file.js';
import { syntheticResultsRuns, writeSyntheticRunDir } from './synthetic-runs.js';
import { available } from '../../test/available.js';

const screenshotDir = process.env.IOT_IDS_SCREENSHOT_DIR ?? tmpdir();

const SUITE = 'reports in headless Chromium';

describe.runIf(available(CHROMIUM, SUITE, 'Chromium'))(SUITE, () => {
  let root: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'iot-ids-report-browser-'));
    browser = await launchHeadlessChromium(join(root, 'profile'), {
      // The reports must be complete without any script.
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Opens a report from a file:// URL; checks its figures are drawn, nothing was fetched, and saves a screenshot. */
  async function open(name: string, report: string, expected: readonly string[]): Promise<void> {
    const path = join(root, `${name}.html`);
    await writeFile(path, report);
    const url = pathToFileURL(path).href;
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(url, { waitUntil: 'load' });

    const ids = extractFigures(report).map((f) => f.id);
    expect(ids).toEqual(expected);
    for (const id of ids) {
      const box = await page.locator(`[id="${id}"] svg`).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.width, id).toBeGreaterThan(100);
      expect(box!.height, id).toBeGreaterThan(100);
    }
    expect(requests.filter((r) => r !== url && !r.startsWith('data:'))).toEqual([]);

    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, `iot-ids-${name}.png`), fullPage: true });

    // On paper the contents list goes and every figure still has a size.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav.contents').isVisible()).toBe(false);
    expect((await page.locator(`[id="${ids[0]}"] svg`).boundingBox())!.width).toBeGreaterThan(100);
    await page.close();
  }

  it('shows a run report with every figure drawn and no network request', async () => {
    const dir = join(root, 'run');
    await writeSyntheticRunDir(dir, { splits: { corrected: [400, 900, 30] } });
    await open('run-report', await buildRunReport(dir), [
      'fig-metrics-corrected',
      'fig-per-class-corrected',
      'fig-roc-corrected',
      'fig-confusion-corrected',
      'fig-training',
    ]);
  });

  it('shows a comparison report the same way', async () => {
    const runs = syntheticResultsRuns(['rf', 'sae-softmax', 'fcnn'], [1, 2, 3], {
      splits: { corrected: [200, 400, 20] },
    });
    const group = 'group-kdd99-ddos-u2r-normal-official-corrected';
    await open(
      'compare-report',
      await buildCompareReport(buildResultsFile('three models', runs)),
      ['metrics', 'spread', 'confusion-rf', 'confusion-sae-softmax', 'confusion-fcnn'].map(
        (f) => `${group}-fig-${f}`,
      ),
    );
  });
});
