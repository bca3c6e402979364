import { describe, expect, it } from 'vitest';
import { ShuffledBatches } from './shuffled-batches.js';

const rows = 10;
const x = { rows, cols: 2, data: Float32Array.from({ length: rows * 2 }, (_, i) => Math.floor(i / 2)) };
const y = Int32Array.from({ length: rows }, (_, i) => i);
const rowWeights = Float32Array.from({ length: rows }, (_, i) => i / 10);

function epochRows(batches: ShuffledBatches, epoch: number): { y: number[]; sizes: number[] } {
  const seen: number[] = [];
  const sizes: number[] = [];
  batches.forEachBatch(epoch, (_batch, n) => {
    sizes.push(n);
    for (let i = 0; i < n; i++) {
      // Features, label and weight of a batch row all come from the same source row.
      expect(batches.x[i * 2]).toBe(batches.y[i]);
      expect(batches.weights?.[i]).toBeCloseTo(batches.y[i] / 10, 6);
      seen.push(batches.y[i]);
    }
  });
  return { y: seen, sizes };
}

describe('ShuffledBatches', () => {
  it('visits every row once per epoch, in an order fixed by seed and epoch alone', () => {
    const batches = new ShuffledBatches({ x, y, rowWeights }, { batchSize: 4, seed: 7 });
    expect(batches.batchesPerEpoch).toBe(3);
    const first = epochRows(batches, 0);
    expect(first.sizes).toEqual([4, 4, 2]);
    expect([...first.y].sort((a, b) => a - b)).toEqual(Array.from(y));
    expect(epochRows(new ShuffledBatches({ x, y, rowWeights }, { batchSize: 4, seed: 7 }), 0).y).toEqual(
      first.y,
    );
    expect(epochRows(batches, 1).y).not.toEqual(first.y);
  });

  it('has no weights buffer for unweighted rows and caps the batch at the row count', () => {
    const batches = new ShuffledBatches({ x, y, rowWeights: null }, { batchSize: 64, seed: 1 });
    expect(batches.weights).toBeNull();
    expect(batches.batchSize).toBe(rows);
    expect(batches.batchesPerEpoch).toBe(1);
  });

  it("'even' splits the rows into ⌈rows / batchSize⌉ batches differing by at most one row", () => {
    const batches = new ShuffledBatches({ x, y, rowWeights }, { batchSize: 4, seed: 7, layout: 'even' });
    expect(batches.batchesPerEpoch).toBe(3);
    const epoch = epochRows(batches, 0);
    expect(epoch.sizes).toEqual([3, 3, 4]);
    expect([...epoch.y].sort((a, b) => a - b)).toEqual(Array.from(y));
  });

  it('hands the step the generator that shuffled the epoch', () => {
    const draws: number[] = [];
    const batches = new ShuffledBatches({ x, y, rowWeights: null }, { batchSize: 4, seed: 7 });
    batches.forEachBatch(2, (_batch, _n, random) => draws.push(random.next()));
    const again: number[] = [];
    batches.forEachBatch(2, (_batch, _n, random) => again.push(random.next()));
    expect(again).toEqual(draws);
    expect(new Set(draws).size).toBe(3);
  });
});
