import { describe, expect, it } from 'vitest';
import { parseZeroDaySelectionArgs } from './zero-day-selection-options.js';

const good = { thresholdFrom: 'lato-validation', rates: '1,2,5,10', seeds: '5', validationFraction: '0.1' };

describe('parseZeroDaySelectionArgs', () => {
  it('reads percentages as rates and the seed count', () => {
    expect(parseZeroDaySelectionArgs(good)).toEqual({
      thresholdFrom: 'lato-validation',
      rates: [0.01, 0.02, 0.05, 0.1],
      seeds: 5,
      validationFraction: 0.1,
    });
  });

  it('names the option of every problem', () => {
    expect(() => parseZeroDaySelectionArgs({ ...good, thresholdFrom: 'test-set' })).toThrow(
      /--threshold-from "test-set"/,
    );
    expect(() => parseZeroDaySelectionArgs({ ...good, rates: '1,,5' })).toThrow(/--rates \(percent\) "1,,5"/);
    expect(() => parseZeroDaySelectionArgs({ ...good, rates: '0,5' })).toThrow(/--rates/);
    expect(() => parseZeroDaySelectionArgs({ ...good, rates: '100' })).toThrow(/--rates/);
    expect(() => parseZeroDaySelectionArgs({ ...good, rates: '5,5' })).toThrow(/must not repeat a rate/);
    expect(() => parseZeroDaySelectionArgs({ ...good, seeds: '2.5' })).toThrow(/--seeds "2.5"/);
    expect(() => parseZeroDaySelectionArgs({ ...good, validationFraction: '0.7' })).toThrow(
      /--validation-fraction "0.7"/,
    );
  });
});
