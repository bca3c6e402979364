const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Parses `text[start, end)` when it is a plain decimal (`-?digits[.digits]`, at least one digit, at most
 * 2^53 as an integer mantissa and 22 decimals) without creating a substring; returns NaN for anything else,
 * which the caller then hands to `Number()`.
 *
 * The result equals `Number()` bit for bit: mantissa and 10^k are both exact doubles, and one IEEE division
 * of exact operands is correctly rounded (Clinger's fast path). This and not `split(',')` + `Number()` is
 * what makes the loader about 2× faster on KDD-style files, where nearly every field is such a number.
 */
export function parsePlainDecimal(text: string, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && text.charCodeAt(i) === 45) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 46 && decimals < 0) {
      decimals = 0;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || mantissa > Number.MAX_SAFE_INTEGER || decimals > 22) return NaN;
  const value = decimals > 0 ? mantissa / POWERS_OF_TEN[decimals] : mantissa;
  return negative ? -value : value;
}
