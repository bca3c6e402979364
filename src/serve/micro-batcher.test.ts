import { describe, expect, it } from 'vitest';
import { MicroBatcher, OverloadedError } from './micro-batcher.js';

describe('MicroBatcher', () => {
  it('hands concurrent submissions to one run and answers each with its own result', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      (items) => {
        batches.push(items);
        return Promise.resolve(items.map((x) => x * 10));
      },
      () => 1,
    );
    const results = await Promise.all([1, 2, 3, 4].map((x) => batcher.submit(x)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('batches what arrives while a run is busy, up to maxBatchRecords', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items;
      },
      (x) => x,
      { maxBatchRecords: 5 },
    );
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4, 1].map((x) => batcher.submit(x));
    expect(batcher.queued).toBe(10);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3], [4, 1]]);
  });

  it('fails every item of a failing batch and carries on with the next', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>(
      (items) => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('store down'));
        return Promise.resolve(items);
      },
      () => 1,
    );
    const failed = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await batcher.submit(3)).toBe(3);
  });

  it('refuses work beyond maxQueuedRecords and drains', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        await gate;
        return items;
      },
      (x) => x,
      { maxQueuedRecords: 10 },
    );
    const running = batcher.submit(8);
    await new Promise((resolve) => setImmediate(resolve));
    const queued = batcher.submit(8);
    await expect(batcher.submit(5)).rejects.toBeInstanceOf(OverloadedError);
    release();
    await batcher.drain();
    expect(await running).toBe(8);
    expect(await queued).toBe(8);
  });

  it('waits up to maxWaitMs for a batch to fill', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      (items) => {
        batches.push(items);
        return Promise.resolve(items);
      },
      () => 1,
      { maxWaitMs: 30 },
    );
    const a = batcher.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = batcher.submit(2);
    await Promise.all([a, b]);
    expect(batches).toEqual([[1, 2]]);
  });
});
