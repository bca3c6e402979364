/**
 * e^x to within a few ulps, several times faster than `Math.exp` in the per-packet hot loops (the sigmoids of
 * packet-ae's autoencoders). V8 compiles `Math.exp` into a call out to C; this stays in JIT code, and it uses
 * no table lookup for the mantissa, so packet-ae's WebAssembly scorer (src/models/packet-ae/wasm/
 * ensemble-score.c) runs the same operations two lanes at a time and gets the same bits:
 *
 *   n = round(x · log₂e), r = x − n·ln2 (ln2 split in two parts, so n·ln2_hi is exact), e^x = 2^n · p(r),
 *   p the degree-13 Taylor polynomial of e^r for |r| ≤ ln2/2 (truncation r¹⁴/14! < 5e-18), in Estrin's scheme.
 *
 * 2^n is exact (a table here, exponent bits there). For x ∈ (−708, 709) the result is a normal double; beyond,
 * `scaledExp` splits 2^n so no intermediate leaves the normal range before the last rounding; below −746 it is 0,
 * above 710 ∞, NaN stays NaN.
 */

/**
 * The constants in the order the WebAssembly kernel reads them (ensemble-score.c, `K_*`): log₂e, the rounding
 * constant, ln2 high and low parts, the exponent bias constant, the polynomial's coefficients 1/2! … 1/13!,
 * 1, and the bounds of the normal range.
 */
export const FAST_EXP_CONSTANTS = Float64Array.of(
  1.4426950408889634, // log₂e
  6755399441055744, // 1.5 · 2^52: adding and subtracting it rounds to the nearest integer (|v| < 2^51)
  6.9314718036912381649e-1, // ln2 high part: 32 significant bits, so n · it is exact for |n| < 2^21
  1.90821492927058770002e-10, // ln2 − the high part
  4503599627371519, // 2^52 + 1023: n plus it has n + 1023 in its low bits (the kernel's 2^n)
  ...Array.from({ length: 12 }, (_, i) => 1 / factorial(i + 2)),
  1,
  -708,
  709,
);
const LOG2E = FAST_EXP_CONSTANTS[0];
const ROUND = FAST_EXP_CONSTANTS[1];
const LN2_HI = FAST_EXP_CONSTANTS[2];
const LN2_LO = FAST_EXP_CONSTANTS[3];
const C2 = FAST_EXP_CONSTANTS[5];
const C3 = FAST_EXP_CONSTANTS[6];
const C4 = FAST_EXP_CONSTANTS[7];
const C5 = FAST_EXP_CONSTANTS[8];
const C6 = FAST_EXP_CONSTANTS[9];
const C7 = FAST_EXP_CONSTANTS[10];
const C8 = FAST_EXP_CONSTANTS[11];
const C9 = FAST_EXP_CONSTANTS[12];
const C10 = FAST_EXP_CONSTANTS[13];
const C11 = FAST_EXP_CONSTANTS[14];
const C12 = FAST_EXP_CONSTANTS[15];
const C13 = FAST_EXP_CONSTANTS[16];
const LOW = FAST_EXP_CONSTANTS[18];
const HIGH = FAST_EXP_CONSTANTS[19];
/** Beyond these e^x is 0 or ∞ in doubles (e^−746 is below half the smallest subnormal, e^710 above the largest). */
const UNDERFLOW = -746;
const OVERFLOW = 710;
/** 2^(i − 1100) for i = 0 … 2124, built by exact doublings (2^−1100 itself underflows to 0 and is never read). */
const POW2_BIAS = 1100;
const POW2 = new Float64Array(2125);
POW2[POW2_BIAS] = 1;
for (let i = POW2_BIAS + 1; i < POW2.length; i++) POW2[i] = POW2[i - 1] * 2;
for (let i = POW2_BIAS - 1; i >= 0; i--) POW2[i] = POW2[i + 1] / 2;

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

export function fastExp(x: number): number {
  if (!(x > LOW && x < HIGH)) return scaledExp(x);
  const n = x * LOG2E + ROUND - ROUND;
  return polynomial(x - n * LN2_HI - n * LN2_LO) * POW2[n + POW2_BIAS];
}

/** e^r for |r| ≤ ln2/2, Estrin's scheme (the kernel evaluates the same tree). */
function polynomial(r: number): number {
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const low = 1 + r + r2 * (C2 + r * C3) + r4 * (C4 + r * C5 + r2 * (C6 + r * C7));
  const high = C8 + r * C9 + r2 * (C10 + r * C11) + r4 * (C12 + r * C13);
  return low + r8 * high;
}

/** e^x outside (−708, 709): 2^n applied in two exact-range steps, so only the last product rounds. */
function scaledExp(x: number): number {
  if (!(x > UNDERFLOW && x < OVERFLOW)) return x > 0 ? Infinity : x < 0 ? 0 : x; // ±huge, ±∞, NaN
  const n = x * LOG2E + ROUND - ROUND;
  const p = polynomial(x - n * LN2_HI - n * LN2_LO);
  return x > 0
    ? p * POW2[n - 64 + POW2_BIAS] * POW2[64 + POW2_BIAS]
    : p * POW2[n + 64 + POW2_BIAS] * POW2[-64 + POW2_BIAS];
}
