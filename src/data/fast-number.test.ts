import { describe, expect, it } from 'vitest';
import { Random } from '../util/random.js';
import { parsePlainDecimal } from './fast-number.js';

function parseWhole(text: string): number {
  return parsePlainDecimal(text, 0, text.length);
}

describe('parsePlainDecimal', () => {
  it('agrees with Number() bit for bit on plain decimals', () => {
    const cases = [
      '0',
      '-0',
      '7',
      '007',
      '1.',
      '.5',
      '0.00',
      '-12.5',
      '0.1',
      '0.3',
      '123456.789',
      '9007199254740991',
    ];
    const random = new Random(5);
    for (let i = 0; i < 20_000; i++) {
      const integer = String(random.int(1_000_000_000));
      // At most 9 + 6 = 15 digits, so every case must take the fast path.
      const decimals = String(random.int(1_000_000)).padStart(random.int(6) + 1, '0');
      cases.push(`${random.int(2) === 0 ? '-' : ''}${integer}.${decimals}`);
    }
    for (const text of cases) expect(Object.is(parseWhole(text), Number(text)), text).toBe(true);
  });

  it('parses a field inside a line without slicing it', () => {
    const line = 'tcp,0.25,-3';
    expect(parsePlainDecimal(line, 4, 8)).toBe(0.25);
    expect(parsePlainDecimal(line, 9, 11)).toBe(-3);
  });

  it('returns NaN for everything it leaves to Number()', () => {
    const others = [
      '',
      '-',
      '.',
      '1e3',
      ' 1',
      '1 ',
      '+1',
      '1.2.3',
      '0x10',
      'NaN',
      'Infinity',
      '9007199254740993',
      '1.' + '1'.repeat(23),
    ];
    for (const text of others) expect(parseWhole(text), JSON.stringify(text)).toBeNaN();
  });
});
