import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium; browser tests run only where it is installed (`.ci/run` installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * A headless Chromium with a throw-away profile and the flags this machine needs (no sandbox, no GPU, no
 * shared memory, no background network traffic).
 */
export function launchHeadlessChromium(
  profileDir: string,
  options: { viewport: { width: number; height: number }; javaScriptEnabled?: boolean },
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    ...options,
  });
}
