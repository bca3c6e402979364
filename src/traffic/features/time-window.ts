import { REJ_ERROR, SYN_ERROR } from './error-bits.js';

const INDEX_ABOVE = 64;
const UNINDEX_BELOW = 16;

/**
 * The connections of one key (a destination host, or a service) seen in the last `seconds`, with running
 * totals so every rate is O(1): how many, how many with SYN / REJ errors, and how many per "other" value
 * (the service for a host's window, the destination host for a service's window). The per-other counts are
 * kept in a map, or (without `indexOthers`) counted by a pass over a short window when asked.
 */
export class WindowBucket<O> {
  n = 0;
  serror = 0;
  rerror = 0;
  // Per-other counts, kept only while `indexed` (always, or while the window is long; see `push`).
  private readonly others = new Map<O, number>();
  private indexed: boolean;
  // A ring of the window's entries, oldest at `head`; typed columns grown by doubling (to at most maxPerKey),
  // so pushing and expiring allocate nothing once a bucket has reached its working size.
  private ts = new Float64Array(4);
  private other: O[] = new Array<O>(4);
  private err = new Uint8Array(4);
  private head = 0;

  constructor(private readonly indexAlways = true) {
    this.indexed = indexAlways;
  }

  /** Back to empty, for reuse by another key (see KeyedTimeWindow's free list). */
  reset(): this {
    this.n = this.serror = this.rerror = this.head = 0;
    // Map#clear allocates a fresh table even when the map is empty, so only clear what holds something.
    if (this.others.size > 0) this.others.clear();
    this.indexed = this.indexAlways;
    return this;
  }

  get newest(): number {
    return this.n > 0 ? this.ts[(this.head + this.n - 1) & (this.ts.length - 1)] : -Infinity;
  }

  /** How many connections in this window have `other` (the current one included once it was pushed). */
  countOf(other: O): number {
    if (this.indexed) return this.others.get(other) ?? 0;
    let count = 0;
    const mask = this.ts.length - 1;
    for (let k = 0; k < this.n; k++) if (this.other[(this.head + k) & mask] === other) count++;
    return count;
  }

  push(ts: number, other: O, err: number): void {
    if (this.n === this.ts.length) this.grow();
    const i = (this.head + this.n) & (this.ts.length - 1);
    this.ts[i] = ts;
    this.other[i] = other;
    this.err[i] = err;
    this.n++;
    if (err & SYN_ERROR) this.serror++;
    if (err & REJ_ERROR) this.rerror++;
    if (this.indexed) this.others.set(other, (this.others.get(other) ?? 0) + 1);
    // A long window (a flood to one host) would make every count a long pass: index it from here on.
    else if (this.n > INDEX_ABOVE) this.index();
  }

  /** Drops entries older than `oldest`, and the oldest ones beyond `max` entries. */
  expire(oldest: number, max: number): void {
    while (this.n > 0 && (this.ts[this.head] < oldest || this.n >= max)) this.popFront();
  }

  private popFront(): void {
    const i = this.head;
    this.head = (i + 1) & (this.ts.length - 1);
    const err = this.err[i];
    const other = this.other[i];
    this.n--;
    if (err & SYN_ERROR) this.serror--;
    if (err & REJ_ERROR) this.rerror--;
    if (!this.indexed) return;
    const left = (this.others.get(other) ?? 1) - 1;
    if (left === 0) this.others.delete(other);
    else this.others.set(other, left);
    // Hysteresis (index above 64, drop below 16), so a window hovering at the limit does not rebuild.
    if (this.n < UNINDEX_BELOW && !this.indexAlways) this.indexed = false;
  }

  private index(): void {
    if (this.others.size > 0) this.others.clear();
    const mask = this.ts.length - 1;
    for (let k = 0; k < this.n; k++) {
      const other = this.other[(this.head + k) & mask];
      this.others.set(other, (this.others.get(other) ?? 0) + 1);
    }
    this.indexed = true;
  }

  /** Doubles the ring (capacities stay powers of two), unrolling it so the oldest entry is at 0. */
  private grow(): void {
    const size = this.ts.length;
    const ts = new Float64Array(size * 2);
    const other = new Array<O>(size * 2);
    const err = new Uint8Array(size * 2);
    for (let k = 0; k < size; k++) {
      const i = (this.head + k) & (size - 1);
      ts[k] = this.ts[i];
      other[k] = this.other[i];
      err[k] = this.err[i];
    }
    this.ts = ts;
    this.other = other;
    this.err = err;
    this.head = 0;
  }
}

export interface TimeWindowOptions {
  /** Window length in seconds (KDD: 2). */
  seconds: number;
  /** Most connections kept per key (KDD's count and srv_count never exceed 511). */
  maxPerKey: number;
  /** Most keys held at once; beyond it the least recently created keys are evicted (and counted). */
  maxKeys: number;
  /**
   * Keep per-"other" counts in a map per key at all times (default true). Without, a key's window is only
   * indexed while it holds more than 64 connections, and `countOf` counts by a pass over it otherwise:
   * cheaper where windows are short and keys many (destination hosts), and no map churns.
   */
  indexOthers?: boolean;
}

/**
 * Per-key windows over the last `seconds` of a time-ordered connection stream. Memory is bounded: at most
 * `maxPerKey` entries per key, at most `maxKeys` keys, and keys whose newest connection left the window are
 * swept out periodically. A connection older than the ones before it (logs are written when connections
 * end, so slightly out of order) only expires what is older than itself.
 */
export class KeyedTimeWindow<K, O> {
  private readonly buckets = new Map<K, WindowBucket<O>>();
  // Swept buckets, reused: with thousands of short-lived keys, a map and three arrays per new key were
  // much of the extractor's garbage.
  private readonly free: WindowBucket<O>[] = [];
  private addsSinceSweep = 0;
  /** Keys dropped because `maxKeys` was reached while their connections were still in the window. */
  evictedKeys = 0;

  constructor(private readonly options: TimeWindowOptions) {}

  get keys(): number {
    return this.buckets.size;
  }

  /** Adds a connection and returns its key's window, which now includes it. */
  add(key: K, other: O, ts: number, err: number): WindowBucket<O> {
    const oldest = ts - this.options.seconds;
    if (++this.addsSinceSweep >= 4096) this.sweep(oldest);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.options.maxKeys) this.makeRoom(oldest);
      bucket = this.free.pop()?.reset() ?? new WindowBucket<O>(this.options.indexOthers ?? true);
      this.buckets.set(key, bucket);
    }
    bucket.expire(oldest, this.options.maxPerKey);
    bucket.push(ts, other, err);
    return bucket;
  }

  private sweep(oldest: number): void {
    this.addsSinceSweep = 0;
    for (const [key, bucket] of this.buckets) {
      if (bucket.newest < oldest) {
        this.buckets.delete(key);
        if (this.free.length < 8192) this.free.push(bucket);
      }
    }
  }

  private makeRoom(oldest: number): void {
    this.sweep(oldest);
    if (this.buckets.size < this.options.maxKeys) return;
    const first = this.buckets.keys().next();
    if (first.done !== true) {
      this.buckets.delete(first.value);
      this.evictedKeys++;
    }
  }
}
