import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('Random', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    const seqB = Array.from({ length: 5 }, () => b.nextUint32());
    const seqC = Array.from({ length: 5 }, () => c.nextUint32());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('keeps its exact sequence across versions (saved runs stay reproducible)', () => {
    const r = new Random(42);
    expect(Array.from({ length: 5 }, () => r.nextUint32())).toEqual([
      2837322924, 544945897, 479756282, 3500138142, 339756180,
    ]);
  });

  it('draws uniform values in [0, 1) with a plausible mean', () => {
    const r = new Random(1);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = r.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      sum += v;
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    new Random(3).shuffle(items);
    expect([...items].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('Random.fillUint32', () => {
  it('gives the words nextUint32 would and leaves the generator where it would', () => {
    // Around the kernel's cut-off (256) and its chunk (65,536 words), and empty.
    for (const length of [0, 1, 255, 256, 257, 1000, 65_536, 65_536 * 2 + 3]) {
      const a = new Random(length + 1);
      const b = new Random(length + 1);
      a.nextUint32();
      b.nextUint32();
      const filled = new Uint32Array(length);
      a.fillUint32(filled);
      const expected = Uint32Array.from({ length }, () => b.nextUint32());
      expect(filled).toEqual(expected);
      expect([a.nextUint32(), a.nextUint32(), a.next()]).toEqual([b.nextUint32(), b.nextUint32(), b.next()]);
    }
  });
});
