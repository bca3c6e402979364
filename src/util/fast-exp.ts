/**
 * e^x and the logistic sigmoid to within a few ulps, several times faster than `Math.exp` in the per-packet hot
 * loops (the sigmoids of packet-ae's autoencoders). V8 compiles `Math.exp` into a call out to C; this stays in
 * JIT code, and it uses no table lookup, so packet-ae's WebAssembly scorer (src/models/packet-ae/wasm/
 * ensemble-score.c) runs the same operations two lanes at a time and gets the same bits:
 *
 *   n = round(x · log₂e), r = x − n·ln2 (ln2 split in two parts, so n·ln2_hi is exact), e^x = 2^n · e^r,
 *   e^r = 1 + 2r / (R(r) − r) with R(r) = r·coth(r/2) = 2 + r²/6 − r⁴/360 + … (Taylor series in r², from the
 *   Bernoulli numbers: 2·B₂ₖ/(2k)!), seven terms, for |r| ≤ ln2/2 (the next term is < 1e-17 of R).
 *
 * 2^n is exact (a table here, exponent bits there). For x ∈ (−708, 709) the result is a normal double; beyond,
 * `scaledExp` splits 2^n so no intermediate leaves the normal range before the last rounding; below −746 it is 0,
 * above 710 ∞, NaN stays NaN.
 */

/**
 * The constants in the order the WebAssembly kernel reads them (ensemble-score.c, `K_*`): log₂e, the rounding
 * constant, ln2 high and low parts, the exponent bias constant, the coefficients of R(r) in r⁰, r², … r¹²,
 * 1, and the bounds of the normal range.
 */
export const FAST_EXP_CONSTANTS = Float64Array.of(
  1.4426950408889634, // log₂e
  6755399441055744, // 1.5 · 2^52: adding and subtracting it rounds to the nearest integer (|v| < 2^51)
  6.9314718036912381649e-1, // ln2 high part: 32 significant bits, so n · it is exact for |n| < 2^21
  1.90821492927058770002e-10, // ln2 − the high part
  4503599627371519, // 2^52 + 1023: n plus it has n + 1023 in its low bits (the kernel's 2^n)
  2,
  1 / 6,
  -1 / 360,
  1 / 15120,
  -1 / 604800,
  1 / 23950080,
  -691 / 653837184000,
  1,
  -708,
  709,
);
const LOG2E = FAST_EXP_CONSTANTS[0];
const ROUND = FAST_EXP_CONSTANTS[1];
const LN2_HI = FAST_EXP_CONSTANTS[2];
const LN2_LO = FAST_EXP_CONSTANTS[3];
const R0 = FAST_EXP_CONSTANTS[5];
const R1 = FAST_EXP_CONSTANTS[6];
const R2 = FAST_EXP_CONSTANTS[7];
const R3 = FAST_EXP_CONSTANTS[8];
const R4 = FAST_EXP_CONSTANTS[9];
const R5 = FAST_EXP_CONSTANTS[10];
const R6 = FAST_EXP_CONSTANTS[11];
const LOW = FAST_EXP_CONSTANTS[13];
const HIGH = FAST_EXP_CONSTANTS[14];
/** Beyond these e^x is 0 or ∞ in doubles (e^−746 is below half the smallest subnormal, e^710 above the largest). */
const UNDERFLOW = -746;
const OVERFLOW = 710;
/** 2^(i − 1100) for i = 0 … 2124, built by exact doublings (2^−1100 itself underflows to 0 and is never read). */
const POW2_BIAS = 1100;
const POW2 = new Float64Array(2125);
POW2[POW2_BIAS] = 1;
for (let i = POW2_BIAS + 1; i < POW2.length; i++) POW2[i] = POW2[i - 1] * 2;
for (let i = POW2_BIAS - 1; i >= 0; i--) POW2[i] = POW2[i + 1] / 2;

export function fastExp(x: number): number {
  if (!(x > LOW && x < HIGH)) return scaledExp(x);
  const n = x * LOG2E + ROUND - ROUND;
  return reducedExp(x - n * LN2_HI - n * LN2_LO) * POW2[n + POW2_BIAS];
}

/**
 * 1 / (1 + e^−a), the logistic sigmoid, with one division: for x = −a in the normal range, e^x = 2^n (R + r) /
 * (R − r), so σ = (R − r) / ((R − r) + 2^n (R + r)). Within a few ulps of 1 / (1 + Math.exp(−a)); packet-ae's
 * scorers use it (the TypeScript one and, lane for lane, the WebAssembly kernel).
 */
export function fastSigmoid(a: number): number {
  const x = -a;
  if (!(x > LOW && x < HIGH)) return 1 / (1 + scaledExp(x));
  const n = x * LOG2E + ROUND - ROUND;
  const r = x - n * LN2_HI - n * LN2_LO;
  const R = cothSeries(r * r);
  const d = R - r;
  return d / (d + POW2[n + POW2_BIAS] * (R + r));
}

/** R(r) = r·coth(r/2) as a series in z = r² (the kernel evaluates the same expression tree). */
function cothSeries(z: number): number {
  const z2 = z * z;
  const z4 = z2 * z2;
  return R0 + z * R1 + z2 * (R2 + z * R3) + z4 * (R4 + z * R5 + z2 * R6);
}

/** e^r = 1 + 2r / (R − r) for |r| ≤ ln2/2. */
function reducedExp(r: number): number {
  const R = cothSeries(r * r);
  return 1 + (r + r) / (R - r);
}

/** e^x outside (−708, 709): 2^n applied in two exact-range steps, so only the last product rounds. */
function scaledExp(x: number): number {
  if (!(x > UNDERFLOW && x < OVERFLOW)) return x > 0 ? Infinity : x < 0 ? 0 : x; // ±huge, ±∞, NaN
  const n = x * LOG2E + ROUND - ROUND;
  const p = reducedExp(x - n * LN2_HI - n * LN2_LO);
  return x > 0
    ? p * POW2[n - 64 + POW2_BIAS] * POW2[64 + POW2_BIAS]
    : p * POW2[n + 64 + POW2_BIAS] * POW2[-64 + POW2_BIAS];
}
