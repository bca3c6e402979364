/**
 * A bounded hash table of streams for the damped statistics: each stream owns `stride` doubles in one
 * Float64Array, found by a key of two strings and two numbers (addresses and ports or MACs). Linear probing
 * with backward-shift deletion and an intrusive LRU list, all in typed arrays, so a lookup allocates nothing
 * and memory is fixed at construction. When full, the least recently seen stream is evicted (and counted):
 * with damped statistics that is also the stream whose weights have decayed the most.
 */
export class StreamTable {
  readonly capacity: number;
  readonly stride: number;
  /** `capacity × stride` doubles; stream `slot` owns `[slot * stride, (slot + 1) * stride)`. */
  readonly state: Float64Array;
  /** Streams evicted to make room since construction. */
  evictions = 0;
  /** Whether the last `acquire` created the stream (its state was zeroed). */
  created = false;

  private readonly keyA: string[];
  private readonly keyB: string[];
  private readonly keyP: Float64Array;
  private readonly keyQ: Float64Array;
  private readonly hashes: Int32Array;
  /** Open-addressing index: slot number or -1. */
  private readonly index: Int32Array;
  private readonly mask: number;
  /** LRU list through slots: head is the most recently used, tail the least. */
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = -1;
  private tail = -1;
  private used = 0;

  constructor(capacity: number, stride: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
    this.stride = stride;
    this.state = new Float64Array(capacity * stride);
    this.keyA = new Array<string>(capacity).fill('');
    this.keyB = new Array<string>(capacity).fill('');
    this.keyP = new Float64Array(capacity);
    this.keyQ = new Float64Array(capacity);
    this.hashes = new Int32Array(capacity);
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.index = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.prev = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
  }

  /** Streams currently held. */
  get size(): number {
    return this.used;
  }

  /** Bytes of the typed state this table holds (fixed at construction), for the memory figures. */
  get bytes(): number {
    return this.state.byteLength + this.index.byteLength + this.capacity * (8 + 8 + 4 + 4 + 4 + 2 * 8);
  }

  /**
   * The slot of stream (a, b, p, q), created with zeroed state when absent (`created` tells), and marked
   * most recently used.
   */
  acquire(a: string, b: string, p: number, q: number): number {
    const hash = hashKey(a, b, p, q);
    let pos = hash & this.mask;
    for (;;) {
      const slot = this.index[pos];
      if (slot < 0) break;
      if (
        this.hashes[slot] === hash &&
        this.keyP[slot] === p &&
        this.keyQ[slot] === q &&
        this.keyA[slot] === a &&
        this.keyB[slot] === b
      ) {
        this.touch(slot);
        this.created = false;
        return slot;
      }
      pos = (pos + 1) & this.mask;
    }
    let slot: number;
    if (this.used < this.capacity) {
      slot = this.used++;
    } else {
      slot = this.tail;
      this.remove(slot);
      this.evictions++;
      // The index may have shifted: find the free position for the new key again.
      pos = hash & this.mask;
      while (this.index[pos] >= 0) pos = (pos + 1) & this.mask;
    }
    this.index[pos] = slot;
    this.hashes[slot] = hash;
    this.keyA[slot] = a;
    this.keyB[slot] = b;
    this.keyP[slot] = p;
    this.keyQ[slot] = q;
    this.state.fill(0, slot * this.stride, (slot + 1) * this.stride);
    this.pushFront(slot);
    this.created = true;
    return slot;
  }

  /** Drops every stream (keeps the memory). */
  clear(): void {
    this.index.fill(-1);
    this.prev.fill(-1);
    this.next.fill(-1);
    this.keyA.fill('');
    this.keyB.fill('');
    this.head = -1;
    this.tail = -1;
    this.used = 0;
  }

  /** Unlinks `slot` from the index (backward-shift deletion) and the LRU list; the slot is then reused. */
  private remove(slot: number): void {
    let pos = this.hashes[slot] & this.mask;
    while (this.index[pos] !== slot) pos = (pos + 1) & this.mask;
    let hole = pos;
    let j = pos;
    for (;;) {
      j = (j + 1) & this.mask;
      const moved = this.index[j];
      if (moved < 0) break;
      const home = this.hashes[moved] & this.mask;
      // Move `moved` into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        this.index[hole] = moved;
        hole = j;
      }
    }
    this.index[hole] = -1;
    this.unlink(slot);
  }

  private touch(slot: number): void {
    if (this.head === slot) return;
    this.unlink(slot);
    this.pushFront(slot);
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p >= 0) this.next[p] = n;
    else if (this.head === slot) this.head = n;
    if (n >= 0) this.prev[n] = p;
    else if (this.tail === slot) this.tail = p;
    this.prev[slot] = -1;
    this.next[slot] = -1;
  }

  private pushFront(slot: number): void {
    this.prev[slot] = -1;
    this.next[slot] = this.head;
    if (this.head >= 0) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail < 0) this.tail = slot;
  }
}

/** FNV-1a over both strings' UTF-16 units and both numbers' 32-bit halves, as a signed int32. */
export function hashKey(a: string, b: string, p: number, q: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0x2f, 0x01000193);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (p | 0), 0x01000193);
  h = Math.imul(h ^ ((p / 4294967296) | 0), 0x01000193);
  h = Math.imul(h ^ (q | 0), 0x01000193);
  h = Math.imul(h ^ ((q / 4294967296) | 0), 0x01000193);
  // Final avalanche so that the low bits (the probe position) depend on every input bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
