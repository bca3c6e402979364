/**
 * Turns the time fields of a flow or telemetry row into seconds since 1970 (UTC), so rows can be ordered for
 * the time-split protocol. Accepted forms, chosen from the datasets this project meets:
 *
 * - a number: epoch seconds (Zeek `ts`, 1556226000.123); above 1e11 it is taken as milliseconds;
 * - ISO 8601 date and time, `2019-04-25T19:19:40Z`, `2019-04-25 19:19:40` (no zone means UTC);
 * - a date `25-Apr-19` / `25-Apr-2019` (TON_IoT), `2019-04-25` or `25/04/2019` (day first), plus an optional
 *   separate time `19:19:40`, `8:59:02` or `19:19:40.250`.
 *
 * Anything else gives NaN, which the loader turns into a counted rejection naming the field.
 */

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

const MILLISECONDS_ABOVE = 1e11;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DAY_MONTH_YEAR = /^(\d{1,2})[- ]([A-Za-z]{3})[A-Za-z]*[- ](\d{2}|\d{4})$/;
const YEAR_MONTH_DAY = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DAY_SLASH_MONTH_YEAR = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const TIME_OF_DAY = /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;

/** One timestamp field (a number or an ISO date-time); NaN when it is neither. */
export function parseTimestamp(text: string): number {
  const t = text.trim();
  if (NUMBER.test(t)) {
    const value = Number(t);
    return Math.abs(value) > MILLISECONDS_ABOVE ? value / 1000 : value;
  }
  if (ISO_DATE_TIME.test(t)) {
    const withZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : `${t}Z`;
    const ms = Date.parse(withZone.replace(' ', 'T'));
    return Number.isFinite(ms) ? ms / 1000 : Number.NaN;
  }
  return Number.NaN;
}

/** Midnight (UTC) of a date field, in epoch seconds; NaN when the form is not recognised or impossible. */
export function parseDate(text: string): number {
  const t = text.trim();
  let year: number;
  let month: number;
  let day: number;
  let m = DAY_MONTH_YEAR.exec(t);
  if (m) {
    const monthIndex = MONTHS[m[2].toLowerCase()];
    if (monthIndex === undefined) return Number.NaN;
    day = Number(m[1]);
    month = monthIndex;
    year = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  } else if ((m = YEAR_MONTH_DAY.exec(t))) {
    year = Number(m[1]);
    month = Number(m[2]) - 1;
    day = Number(m[3]);
  } else if ((m = DAY_SLASH_MONTH_YEAR.exec(t))) {
    day = Number(m[1]);
    month = Number(m[2]) - 1;
    year = Number(m[3]);
  } else {
    return Number.NaN;
  }
  const ms = Date.UTC(year, month, day);
  const check = new Date(ms);
  // Date.UTC rolls 31-Feb over into March; a date that does not exist is an input error, not a guess.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month || check.getUTCDate() !== day) {
    return Number.NaN;
  }
  return ms / 1000;
}

/** Seconds since midnight of a time-of-day field; NaN when out of range or not H:MM[:SS[.fff]]. */
export function parseTimeOfDay(text: string): number {
  const m = TIME_OF_DAY.exec(text.trim());
  if (!m) return Number.NaN;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = m[3] === undefined ? 0 : Number(m[3]) + (m[4] === undefined ? 0 : Number(m[4]));
  if (hours > 23 || minutes > 59 || seconds >= 61) return Number.NaN;
  return hours * 3600 + minutes * 60 + seconds;
}

/** A date field plus an optional time-of-day field, in epoch seconds (UTC). */
export function parseDateAndTime(date: string, time?: string): number {
  const midnight = parseDate(date);
  if (time === undefined) return midnight;
  return midnight + parseTimeOfDay(time);
}

/** `2019-04-25 19:19:40` (UTC), for messages and reports. */
export function formatTimestamp(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  return new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$|Z$/, '');
}
