import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWeights, writeWeights } from './weights-file.js';

describe('weights file', () => {
  const weights = {
    'dense1/kernel': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    'dense1/bias': { shape: [3], data: new Float32Array([0.5, -0.5, 0]) },
  };

  it('round-trips names, shapes and values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-w-'));
    expect(await writeWeights(dir, 'weights', weights)).toEqual(['weights.bin', 'weights.json']);
    const back = await readWeights(dir, 'weights');
    expect(back['dense1/kernel'].shape).toEqual([2, 3]);
    expect(Array.from(back['dense1/kernel'].data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back['dense1/bias'].data)).toEqual([0.5, -0.5, 0]);
  });

  it('rejects a tampered or truncated binary, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-w-'));
    await writeWeights(dir, 'weights', weights);
    const bin = join(dir, 'weights.bin');
    const bytes = await readFile(bin);
    bytes[0] ^= 0xff;
    await writeFile(bin, bytes);
    await expect(readWeights(dir, 'weights')).rejects.toThrow(/weights\.bin.*checksum/);
    await writeFile(bin, bytes.subarray(0, 8));
    await expect(readWeights(dir, 'weights')).rejects.toThrow(/weights\.bin.*truncated/);
  });

  it('rejects a shape that does not match the data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-w-'));
    await expect(writeWeights(dir, 'w', { x: { shape: [4], data: new Float32Array(3) } })).rejects.toThrow(
      /shape/,
    );
  });
});
