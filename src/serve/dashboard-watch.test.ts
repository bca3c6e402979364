import { statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { available } from '../../test/available.js';
import { CHROMIUM, launchHeadlessChromium } from '../../test/headless-chromium.js';
import { until } from '../../test/until.js';
import { writePcap } from '../traffic/test-helpers/capture-writer.js';
import { startPacketServer, startServer, type RunningServer } from './server.js';
import { ATTACKER, labFrames, makeConnModel } from './watch/test-helpers/conn-model.js';
import { StdinWithKernelDrops } from './watch/test-helpers/kernel-drops.js';
import { makePacketModel } from './watch/test-helpers/packet-model.js';
import { packetModelInfo, servePacketWatch } from './watch/packet-serve.js';
import { startWatch, type RunningWatch } from './watch/watch.js';

/** Screenshots go to a git-ignored folder of the repository unless told otherwise. */
const screenshotDir =
  process.env.IOT_IDS_SCREENSHOT_DIR ?? join(import.meta.dirname, '../../reports/screenshots');

const SUITE = 'dashboard of iot-ids watch in headless Chromium';

describe.runIf(available(CHROMIUM, SUITE, 'Chromium'))(SUITE, () => {
  let dir: string;
  let browser: BrowserContext;
  let server: RunningServer;
  let watch: RunningWatch;
  const input = new PassThrough();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-dashboard-watch-'));
    const modelDir = await makeConnModel(dir);
    server = await startServer({
      modelDir,
      port: 0,
      store: join(dir, 'alerts.db'),
      storeSynchronous: 'normal',
      rateLimit: false,
    });
    // A live capture on stdin that stays open; its statistics report 3 packets dropped by the kernel.
    watch = startWatch(new StdinWithKernelDrops(input, 3), server, { interimSeconds: 1 });
    input.write(writePcap(labFrames(8_000_000, { seconds: 40, scanAt: 2, scanPorts: 80 })));
    await until(() => watch.totals().alertingRecords > 0, 30_000, 20);
    browser = await launchHeadlessChromium(join(dir, 'profile'), { viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    input.end();
    await watch?.stop();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows the capture health panel beside the alerts of the scan', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('#conn-text', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    await page.locator('#health').waitFor({ state: 'visible', timeout: 10_000 });

    // 40 × 2 × 10 client packets + 80 × 2 scan packets (the panel refreshes every 2 s).
    await expect
      .poll(() => page.locator('#health').textContent(), { timeout: 10_000 })
      .toMatch(/packets seen\s*960/);
    const health = await page.locator('#health').textContent();
    expect(health).toContain('stdin, running');
    expect(health).toMatch(/dropped by the kernel\s*3/);
    expect(health).toMatch(/records dropped \(queue full\)\s*0/);
    expect(health).toMatch(/open connections\s*[1-9]/);
    expect(health).toMatch(/scoring lag \(last \/ mean\)\s*[\d.]+ ms \/ [\d.]+ ms/);
    // The scan's alerts, from the attacker's address.
    await expect.poll(() => page.locator('#feed tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#feed').textContent()).toContain(ATTACKER);
    expect(await page.locator('#stats').textContent()).toContain('probe');
    expect(errors).toEqual([]);

    await mkdir(screenshotDir, { recursive: true });
    await page.waitForTimeout(1700); // let the new-row highlight fade before the picture
    const shot = join(screenshotDir, 'iot-ids-dashboard-watch.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('shows a packet-ae watch: its packet health, warm-up and the anomaly alerts of a scan', async () => {
    const model = await makePacketModel();
    const packets = await startPacketServer({
      model: packetModelInfo(model, join(dir, 'lab-packets', 'model'), '2026-12-07T00:00:00.000Z'),
      port: 0,
      store: join(dir, 'packets.db'),
      storeSynchronous: 'normal',
      rateLimit: false,
    });
    const stdin = new PassThrough();
    const packetWatch = servePacketWatch(new StdinWithKernelDrops(stdin, 0), model, packets, { flushMs: 20 });
    try {
      // 340 s of the fixture network, a 150-port scan from second 320 (after the 300 s warm-up).
      stdin.write(writePcap(labFrames(1_300_000, { seconds: 340, scanAt: 320, scanPorts: 150 })));
      await until(() => packetWatch.totals().alertGroups > 0, 30_000, 20);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(packets.url, { waitUntil: 'load' });
      await page.locator('#conn-text', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      await expect
        .poll(() => page.locator('#health').textContent(), { timeout: 10_000 })
        .toMatch(/packets scored\s*7,100/);
      const health = await page.locator('#health').textContent();
      expect(health).toMatch(/warm-up \(no alerts\)\s*over \(6,000 packets\)/);
      expect(health).not.toContain('open connections');
      expect(await page.locator('#model').textContent()).toContain('packet-ae');
      await expect.poll(() => page.locator('#feed').textContent()).toContain(ATTACKER);
      expect(await page.locator('#stats').textContent()).toContain('anomaly');
      expect(errors).toEqual([]);
      await mkdir(screenshotDir, { recursive: true });
      await page.waitForTimeout(1700);
      await page.screenshot({
        path: join(screenshotDir, 'iot-ids-dashboard-packet-watch.png'),
        fullPage: true,
      });
      await page.close();
    } finally {
      stdin.end();
      await packetWatch.stop();
      await packets.close();
    }
  });

  it('keeps the health panel hidden when no capture is attached (serve)', async () => {
    const plain = await startServer({
      modelDir: join(dir, 'model'),
      port: 0,
      store: join(dir, 'serve.db'),
      storeSynchronous: 'normal',
    });
    try {
      const page = await browser.newPage();
      await page.goto(plain.url, { waitUntil: 'load' });
      await page.locator('#conn-text', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('#model').textContent()).toContain('lab-fixture');
      expect(await page.locator('#health').isVisible()).toBe(false);
      await page.close();
    } finally {
      await plain.close();
    }
  });
});
