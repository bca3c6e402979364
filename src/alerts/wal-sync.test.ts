import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WalSync } from './wal-sync.js';

describe('WalSync', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-walsync-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shares one pending sync among the callers that arrive while a sync runs', async () => {
    const wal = join(dir, 'a.db-wal');
    await writeFile(wal, 'frames');
    const sync = new WalSync(wal);
    const first = sync.sync();
    const waiting = Array.from({ length: 10 }, () => sync.sync());
    // The first call started a sync; the ten later ones all wait for the single next one.
    expect(new Set(waiting).size).toBe(1);
    expect(waiting[0]).not.toBe(first);
    await Promise.all([first, ...waiting]);
    // Idle again: a new call starts a sync of its own.
    const later = sync.sync();
    expect(later).not.toBe(waiting[0]);
    await later;
    sync.close();
    await expect(sync.sync()).rejects.toThrow(/closed/);
  });

  it('has nothing to do before the WAL exists', async () => {
    const sync = new WalSync(join(dir, 'missing.db-wal'));
    await expect(sync.sync()).resolves.toBeUndefined();
    sync.close();
  });
});
