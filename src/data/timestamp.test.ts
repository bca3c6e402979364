import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseDate, parseDateAndTime, parseTimeOfDay, parseTimestamp } from './timestamp.js';

const APR_25_2019 = Date.UTC(2019, 3, 25) / 1000;

describe('timestamps', () => {
  it('reads epoch seconds, epoch milliseconds and ISO 8601 (no zone = UTC)', () => {
    expect(parseTimestamp('1556220000.25')).toBe(1556220000.25);
    expect(parseTimestamp(' 1556220000250 ')).toBe(1556220000.25);
    expect(parseTimestamp('2019-04-25T19:19:40Z')).toBe(APR_25_2019 + 19 * 3600 + 19 * 60 + 40);
    expect(parseTimestamp('2019-04-25 19:19:40')).toBe(APR_25_2019 + 19 * 3600 + 19 * 60 + 40);
    expect(parseTimestamp('2019-04-25T21:19:40+02:00')).toBe(APR_25_2019 + 19 * 3600 + 19 * 60 + 40);
    expect(parseTimestamp('yesterday')).toBeNaN();
    expect(parseTimestamp('')).toBeNaN();
  });

  it("reads TON_IoT's date and padded time fields, and other common date forms", () => {
    expect(parseDate('25-Apr-19')).toBe(APR_25_2019);
    expect(parseDate('25-Apr-2019')).toBe(APR_25_2019);
    expect(parseDate('2019-04-25')).toBe(APR_25_2019);
    expect(parseDate('25/04/2019')).toBe(APR_25_2019);
    expect(parseDate('31-Feb-19')).toBeNaN();
    expect(parseDate('25-Foo-19')).toBeNaN();
    expect(parseTimeOfDay(' 19:19:40 ')).toBe(19 * 3600 + 19 * 60 + 40);
    expect(parseTimeOfDay('8:59:02')).toBe(8 * 3600 + 59 * 60 + 2);
    expect(parseTimeOfDay('08:59:02.5')).toBe(8 * 3600 + 59 * 60 + 2.5);
    expect(parseTimeOfDay('25:00:00')).toBeNaN();
    expect(parseDateAndTime('25-Apr-19', ' 8:59:02 ')).toBe(APR_25_2019 + 8 * 3600 + 59 * 60 + 2);
    expect(parseDateAndTime('25-Apr-19', 'noon')).toBeNaN();
    expect(formatTimestamp(APR_25_2019 + 61)).toBe('2019-04-25 00:01:01');
  });
});
