import { describe, expect, it } from 'vitest';
import { limitHeapGrowth, WATCH_HEAP_GROWING_PERCENT } from './heap-growth.js';

describe('limitHeapGrowth', () => {
  it("sets V8's heap growth when the user chose none", () => {
    const set: string[] = [];
    expect(limitHeapGrowth(['--enable-source-maps'], '--max-semi-space-size=4', (f) => set.push(f))).toBe(
      WATCH_HEAP_GROWING_PERCENT,
    );
    expect(set).toEqual([`--heap-growing-percent=${WATCH_HEAP_GROWING_PERCENT}`]);
  });

  it("leaves the user's own setting, on node's command line or in NODE_OPTIONS, in either spelling", () => {
    const set: string[] = [];
    const record = (f: string): void => void set.push(f);
    expect(limitHeapGrowth(['--heap-growing-percent=0'], '', record)).toBeNull();
    expect(limitHeapGrowth([], '--max-old-space-size=192 --heap_growing_percent=20', record)).toBeNull();
    expect(limitHeapGrowth([], ' --heap-growing-percent 30', record)).toBeNull();
    expect(set).toEqual([]);
  });
});
