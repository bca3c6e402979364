/**
 * A 53-bit key per row (two independent 32-bit murmur-style streams, 32 + 21 bits kept), so exact duplicates
 * and train/test overlap can be found with a Set of plain numbers instead of joined strings. 53 bits keep the
 * key exactly representable in a Float64Array; with half a million rows the chance of any false match is
 * about 1e-5.
 *
 * Keys are computed from the source values, not from dictionary codes, so two files of the same schema
 * produce comparable keys.
 */
const float64 = new Float64Array(1);
const float64Words = new Uint32Array(float64.buffer);

const SEED_A = 0x9747b28c;
const SEED_B = 0x2f3d1a57;
const TWO_POW_21 = 2 ** 21;

export class RowKeyHasher {
  private a = SEED_A;
  private b = SEED_B;

  reset(): void {
    this.a = SEED_A;
    this.b = SEED_B;
  }

  /**
   * Adds a number by its float64 bits; -0 and 0 give the same key. The two 32-bit halves are folded into one
   * word per stream by an invertible 64-bit map (so both streams together lose nothing), which halves the
   * mixing work for the 40-odd numbers of a row.
   */
  addNumber(value: number): void {
    float64[0] = value === 0 ? 0 : value;
    const low = float64Words[0];
    const high = float64Words[1];
    const wordA = (low + Math.imul(high, 0x9e3779b1)) | 0;
    const wordB = (high + Math.imul(low, 0x7feb352e)) | 0;
    this.addWords(wordA, wordB);
  }

  /** Adds a string followed by its length, so ("ab", "c") and ("a", "bc") differ. */
  addString(value: string): void {
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      this.addWords(code, code);
    }
    const end = value.length ^ 0x5bd1e995;
    this.addWords(end, end);
  }

  /** The key of everything added since the last reset: an integer in [0, 2^53). */
  digest(): number {
    const a = finalMix(this.a);
    const b = finalMix(this.b ^ 0x85ebca6b);
    return a * TWO_POW_21 + (b >>> 11);
  }

  private addWords(wordA: number, wordB: number): void {
    let k = Math.imul(wordA, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let a = this.a ^ k;
    a = (a << 13) | (a >>> 19);
    this.a = (Math.imul(a, 5) + 0xe6546b64) | 0;

    let j = Math.imul(wordB ^ 0x27d4eb2f, 0x85ebca77);
    j = (j << 13) | (j >>> 19);
    j = Math.imul(j, 0xc2b2ae3d);
    let b = this.b ^ j;
    b = (b << 17) | (b >>> 15);
    this.b = (Math.imul(b, 9) + 0x165667b1) | 0;
  }
}

function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
