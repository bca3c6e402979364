/**
 * Keeps the unconsumed tail of the previous chunk and joins it with the next one, so parsers see whole
 * records whatever the chunk boundaries. Only the tail (at most one partial record) is ever copied.
 */
export class ChunkJoiner {
  private tail: Uint8Array | null = null;
  /** Byte offset, in the whole input, of the first byte of the buffer `next` returns. */
  offset = 0;

  /** The bytes to parse now: the kept tail followed by `chunk`. */
  next(chunk: Uint8Array): Uint8Array {
    if (!this.tail || this.tail.length === 0) return chunk;
    const joined = new Uint8Array(this.tail.length + chunk.length);
    joined.set(this.tail, 0);
    joined.set(chunk, this.tail.length);
    this.tail = null;
    return joined;
  }

  /** The parser consumed `used` bytes of `buffer`; the rest waits for the next chunk. */
  keep(buffer: Uint8Array, used: number): void {
    this.offset += used;
    this.tail = used < buffer.length ? buffer.subarray(used) : null;
  }

  get pending(): number {
    return this.tail ? this.tail.length : 0;
  }
}
