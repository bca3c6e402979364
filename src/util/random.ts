import { fillRandomWords } from './random-words.js';

/** Below this many words fillUint32 loops in JavaScript (a kernel call costs more than it saves). */
const KERNEL_MIN_WORDS = 256;

/**
 * Seeded pseudo-random numbers (SplitMix32 seeding a xoshiro128**), so every split, bootstrap, SMOTE draw
 * and initialisation is reproducible for a seed. Math.random is never used for anything that is learned.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    // State is kept as signed int32 (same bits): V8 stores those unboxed, uint32 above 2^31 it boxes.
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Fills `out` with the next `out.length` words: exactly what as many `nextUint32` calls would give, and
   * the generator ends where they would leave it. Long arrays (dropout masks) go through a WebAssembly
   * kernel (random-words.ts).
   */
  fillUint32(out: Uint32Array): void {
    if (out.length < KERNEL_MIN_WORDS) {
      for (let i = 0; i < out.length; i++) out[i] = this.nextUint32();
      return;
    }
    const state = Int32Array.of(this.s0, this.s1, this.s2, this.s3);
    fillRandomWords(state, out);
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A new independent generator derived from this one (for workers, trees, folds). */
  fork(): Random {
    return new Random(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
