import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordsToTable } from './json-records.js';
import { ModelSlot, probeTable } from './model-slot.js';
import { makeTinyModel } from './test-helpers/tiny-model.js';
import { tinyRecords } from '../serve/test-helpers/tiny-server.js';

describe('ModelSlot', () => {
  let dir: string;
  let modelDir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-slot-'));
    modelDir = (await makeTinyModel(dir, 300)).modelDir;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps in a retrained model that passes the checks', async () => {
    const slot = await ModelSlot.open(modelDir);
    const before = slot.info;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await makeTinyModel(dir, 400);
    const table = recordsToTable(tinyRecords(1, 10), slot.current.inputSchema).table;
    const result = await slot.reload(table);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.previous.id).toBe(before.id);
      expect(result.model.id).not.toBe(before.id);
    }
    expect(slot.info.id).not.toBe(before.id);
    await slot.dispose();
  });

  it('keeps serving the old model when the new one is damaged or missing', async () => {
    const slot = await ModelSlot.open(modelDir);
    const served = slot.current;
    const bin = join(modelDir, 'forest.bin');
    const bytes = await readFile(bin);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(bin, bytes);
    const damaged = await slot.reload();
    expect(damaged.ok).toBe(false);
    if (!damaged.ok) expect(damaged.error).toMatch(/checksum mismatch/);
    await rm(modelDir, { recursive: true });
    const missing = await slot.reload();
    expect(missing.ok).toBe(false);
    expect(slot.current).toBe(served);
    const scored = await slot.current.scoreTable(probeTable(slot.current));
    expect(scored.predicted).toHaveLength(1);
    await slot.dispose();
  });

  it('refuses a reload whose thresholds no longer fit, and disposes a replaced model only when unused', async () => {
    const strict = await ModelSlot.open(modelDir, { thresholds: { dos: 0.9 } });
    expect(strict.info.thresholds).toEqual({ dos: 0.9, probe: 0.5 });
    await expect(ModelSlot.open(modelDir, { thresholds: { worm: 0.9 } })).rejects.toThrow(
      /unknown class "worm"/,
    );

    const old = strict.current;
    let reloaded = false;
    await strict.use(async (detector) => {
      await makeTinyModel(dir, 350);
      reloaded = (await strict.reload()).ok;
      // Still usable: the batch that holds it finishes first.
      const scored = await detector.scoreTable(probeTable(detector));
      expect(scored.predicted).toHaveLength(1);
    });
    expect(reloaded).toBe(true);
    expect(strict.current).not.toBe(old);
    await expect(old.scoreTable(probeTable(old))).rejects.toThrow();
    await strict.dispose();
  });
});
