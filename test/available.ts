import { existsSync } from 'node:fs';

/**
 * Whether `path` exists, for `describe.runIf`; when it does not, prints which tests are skipped and why, so a
 * skipped suite is never silent (e.g. `skipped "loadTable on NSL-KDD": data directory not found: …`).
 */
export function available(path: string, suite: string, what: string, hint = ''): boolean {
  if (existsSync(path)) return true;
  console.warn(`skipped "${suite}": ${what} not found: ${path}${hint ? ` (${hint})` : ''}`);
  return false;
}

/** For integration tests that read the shared datasets. */
export function dataAvailable(path: string, suite: string): boolean {
  return available(path, suite, 'data', 'set IOT_IDS_DATA_DIR to the shared data directory');
}
