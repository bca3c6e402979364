/**
 * Lays buffers out one after another from `start` (a kernel's `scratch_base()`), each on a 16-byte
 * boundary so that its SIMD loads and stores are aligned; `end` is the first byte after the last.
 */
export function bufferLayout(start: number): { take: (bytes: number) => number; end: () => number } {
  const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
  let next = align16(start);
  return {
    take: (bytes) => {
      const at = next;
      next = align16(next + bytes);
      return at;
    },
    end: () => next,
  };
}
