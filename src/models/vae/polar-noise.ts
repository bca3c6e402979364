import { IotIdsError } from '../../errors.js';
import type { Random } from '../../util/random.js';

type Call = (...args: number[]) => number;

/** The exports of vae-step.c that draw the noise (see polar_pairs there). */
export interface PolarExports {
  readonly memory: WebAssembly.Memory;
  readonly polar_pairs: Call;
  readonly polar_scale: Call;
}

/** Where the drawing's buffers are in the kernel's memory. */
export interface PolarLayout {
  /** `wordCapacity` generator words, taken ahead of use. */
  readonly words: number;
  readonly wordCapacity: number;
  /** `maxPairs` pairs of 4 doubles (u, v, s, log s). */
  readonly pairs: number;
  readonly maxPairs: number;
  /** One int: the pairs polar_pairs kept. */
  readonly kept: number;
}

const DOUBLE = 8;

/**
 * Standard normal draws into the kernel's memory, bit for bit those of `fillStandardNormal` (vae-step.ts)
 * from the same generator: the kernel turns the generator's words into pairs and scales them, only
 * `Math.log` runs here (wasm has no logarithm that matches V8's to the last bit). The words are taken from
 * the generator ahead of use, a buffer at a time (`Random.fillUint32`, the same words as one by one), and
 * the ones left over are used by the next `fill` with the same generator: the draws of successive calls
 * continue one sequence, as successive `fillStandardNormal` calls do, but the generator itself ends up
 * ahead of where they would leave it, so it must not be used for anything else in between (a new
 * generator starts a new sequence).
 */
export class PolarNoise {
  private source: Random | null = null;
  /** The unused words are [next, end) of the word buffer. */
  private next = 0;
  private end = 0;

  constructor(
    private readonly exports: PolarExports,
    private readonly layout: PolarLayout,
  ) {}

  /** count standard normal draws, as float32, at `outAt` in the kernel's memory. */
  fill(outAt: number, count: number, random: Random): void {
    const { exports, layout } = this;
    if (random !== this.source) {
      this.source = random;
      this.next = this.end = 0;
    }
    const wanted = Math.ceil(count / 2);
    if (wanted > layout.maxPairs) {
      throw new IotIdsError(`PolarNoise: ${count} draws, room for ${2 * layout.maxPairs}`);
    }
    let kept = 0;
    while (kept < wanted) {
      if (this.end - this.next < 2) this.refill(random);
      const used = exports.polar_pairs(
        layout.words + this.next * 4,
        this.end - this.next,
        layout.pairs + kept * 4 * DOUBLE,
        wanted - kept,
        layout.kept,
      );
      this.next += used;
      kept += new Int32Array(exports.memory.buffer, layout.kept, 1)[0];
    }
    const pairs = new Float64Array(exports.memory.buffer, layout.pairs, 4 * wanted);
    for (let i = 0; i < 4 * wanted; i += 4) pairs[i + 3] = Math.log(pairs[i + 2]);
    exports.polar_scale(layout.pairs, count, outAt);
  }

  /** Moves the unused words (fewer than 2) to the front and fills the rest of the buffer from `random`. */
  private refill(random: Random): void {
    const { layout } = this;
    const words = new Uint32Array(this.exports.memory.buffer, layout.words, layout.wordCapacity);
    words.copyWithin(0, this.next, this.end);
    const left = this.end - this.next;
    random.fillUint32(words.subarray(left));
    this.next = 0;
    this.end = layout.wordCapacity;
  }
}
