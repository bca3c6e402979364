/**
 * Strict parsers for the values flow logs hold. Each returns NaN (numbers) for anything malformed so the
 * caller can name the field in the skip tally; none of them throws.
 */

/** A non-negative decimal (`12`, `0.5`, `3.`); NaN for signs, exponents, spaces, text. */
export function parseUnsignedDecimal(text: string): number {
  const n = text.length;
  if (n === 0 || n > 40) return NaN;
  let seenDigit = false;
  let seenDot = false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) seenDigit = true;
    else if (c === 46 && !seenDot) seenDot = true;
    else return NaN;
  }
  return seenDigit ? Number(text) : NaN;
}

/** A non-negative integer up to 2^53; NaN otherwise. */
export function parseCount(text: string): number {
  const n = text.length;
  if (n === 0 || n > 16) return NaN;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    value = value * 10 + (c - 48);
  }
  return value <= Number.MAX_SAFE_INTEGER ? value : NaN;
}

/** A port: decimal, or Argus's hex form for ICMP (`0x0303`); 0–65535, NaN otherwise. */
export function parsePort(text: string): number {
  const value = /^0x[0-9a-f]{1,4}$/i.test(text) ? parseInt(text.slice(2), 16) : parseCount(text);
  return value <= 65535 ? value : NaN;
}

/** A JSON value that should be a non-negative finite number; NaN for anything else. */
export function jsonNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : NaN;
}

/** A JSON value that should be a port: an integer 0–65535; NaN for anything else. */
export function jsonPort(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? value : NaN;
}

/** Plausible Unix times: 1970 to 2200 (a corrupted timestamp is usually far outside). */
export function isPlausibleEpoch(seconds: number): boolean {
  return Number.isFinite(seconds) && seconds >= 0 && seconds < 7_258_118_400;
}

const DATE_TIME =
  /^(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Seconds since the epoch of `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH[:]MM]` (also with `/` in the date, as
 * Argus prints it), exact to the microsecond. Without a zone the time is taken as UTC. NaN when malformed.
 */
export function parseDateTime(text: string): number {
  const m = DATE_TIME.exec(text);
  if (m === null) return NaN;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((k) => Number(m[k]));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return NaN;
  let seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  if (m[7] !== undefined) seconds += Number(m[7]);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60;
    seconds -= sign * offset;
  }
  return seconds;
}
