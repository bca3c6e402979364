/** A matrix as a kernel keeps it: `rows` rows of `cols` values, each row `pitch` floats apart (padding). */
export interface PitchedShape {
  rows: number;
  cols: number;
  pitch: number;
}

/** Copies a dense rows × cols matrix into kernel memory at byte `at`, one row every `pitch` floats. */
export function writePitched(
  buffer: ArrayBufferLike,
  at: number,
  s: PitchedShape,
  values: Float32Array,
): void {
  const memory = new Float32Array(buffer, at, s.rows * s.pitch);
  for (let r = 0; r < s.rows; r++) memory.set(values.subarray(r * s.cols, (r + 1) * s.cols), r * s.pitch);
}

/** Copies a pitched matrix at byte `at` of kernel memory out to a dense rows × cols one. */
export function readPitched(buffer: ArrayBufferLike, at: number, s: PitchedShape, out: Float32Array): void {
  const memory = new Float32Array(buffer, at, s.rows * s.pitch);
  for (let r = 0; r < s.rows; r++) out.set(memory.subarray(r * s.pitch, r * s.pitch + s.cols), r * s.cols);
}
