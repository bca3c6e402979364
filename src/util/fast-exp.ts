/**
 * e^x to within a few ulps, several times faster than `Math.exp` in the per-packet hot loops (the sigmoids of
 * packet-ae's autoencoders and the decay factors of packet-stats). V8 compiles `Math.exp` into a call out to
 * C; this stays in JIT code: e^x = e^(i/32) · e^r with e^(i/32) from a table and r ∈ [−1/64, 1/64] by a degree-6
 * Taylor polynomial (truncation error r⁷/7! < 1e-16). Outside [−64, 64) it falls back to `Math.exp`.
 */
const STEPS = 32;
const LOW = -64;
const HIGH = 64;
const OFFSET = -LOW * STEPS;
const TABLE = Float64Array.from({ length: (HIGH - LOW) * STEPS + 1 }, (_, i) =>
  Math.exp((i - OFFSET) / STEPS),
);
const C2 = 1 / 2;
const C3 = 1 / 6;
const C4 = 1 / 24;
const C5 = 1 / 120;
const C6 = 1 / 720;
/** Adding and subtracting 1.5 · 2^52 rounds a double to the nearest integer (for |v| < 2^51). */
const ROUND = 6755399441055744;

export function fastExp(x: number): number {
  if (!(x > LOW && x < HIGH)) return Math.exp(x);
  // k/32 nearest to x, so r ∈ [−1/64, 1/64]; x·32, k/32 and x − k/32 are all exact: no rounding before
  // the polynomial. Estrin's scheme keeps the dependency chain short.
  const k = x * STEPS + ROUND - ROUND;
  const r = x - k / STEPS;
  const r2 = r * r;
  const p = 1 + r + r2 * (C2 + r * C3 + r2 * (C4 + r * C5 + r2 * C6));
  return TABLE[(k | 0) + OFFSET] * p;
}
