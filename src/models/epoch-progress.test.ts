import type { LoopControl } from '../fit/callbacks.js';
import { describe, expect, it } from 'vitest';
import { EpochProgress } from './epoch-progress.js';

describe('EpochProgress', () => {
  it('reports a stage at its offset and credits an early-stopped stage in full', async () => {
    const seen: [number, number, string | undefined][] = [];
    const progress = new EpochProgress(10, (done, total, detail) => seen.push([done, total, detail]));
    const [first] = progress.stage(0, 4);
    const [second] = progress.stage(4, 6);
    const control = { stage: 's' } as LoopControl;
    await first.onEpochEnd?.(0, { loss: 1 }, control);
    await first.onEpochEnd?.(1, { loss: 1 }, control);
    await first.onStageEnd?.({ stage: 's', epochsRun: 2, stopReason: 'patience' }, control);
    await second.onEpochEnd?.(5, { loss: 1 }, control);
    progress.finish();
    expect(seen.map(([done]) => done)).toEqual([1, 2, 4, 10, 10]);
    expect(seen.every(([, total]) => total === 10)).toBe(true);
    expect(seen.at(-1)?.[2]).toBe('done');
  });

  it('caps credited epochs at the total and gives no callback without a listener', () => {
    const seen: number[] = [];
    const progress = new EpochProgress(5, (done) => seen.push(done));
    progress.credit(3, 'pretrain');
    progress.credit(4, 'classifier');
    expect(seen).toEqual([3, 5]);
    expect(new EpochProgress(5).stage(0, 5)).toEqual([]);
  });
});
