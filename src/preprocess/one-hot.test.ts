import { describe, expect, it } from 'vitest';
import type { CategoricalColumn } from '../data/table.js';
import { codesToFitted, fitCategories, oneHotInto } from './one-hot.js';

function column(values: string[], dictionary?: string[]): CategoricalColumn {
  const categories = dictionary ?? [...new Set(values)];
  return {
    kind: 'categorical',
    name: 'protocol_type',
    codes: Int32Array.from(values, (v) => categories.indexOf(v)),
    categories,
  };
}

describe('fitCategories', () => {
  it('returns the values present in rows, sorted by code unit', () => {
    expect(fitCategories(column(['udp', 'tcp', 'icmp', 'tcp', 'SF', 'b']))).toEqual([
      'SF',
      'b',
      'icmp',
      'tcp',
      'udp',
    ]);
  });

  it('ignores dictionary entries no row uses (a shared dictionary must not leak test values)', () => {
    expect(fitCategories(column(['tcp', 'udp'], ['tcp', 'only-in-test', 'udp']))).toEqual(['tcp', 'udp']);
  });
});

describe('codesToFitted', () => {
  it('matches by string, whatever the dictionary order', () => {
    const test = column(['udp', 'new', 'icmp'], ['udp', 'new', 'icmp']);
    expect([...codesToFitted(['icmp', 'tcp', 'udp'], test)]).toEqual([2, -1, 0]);
  });
});

describe('oneHotInto', () => {
  it('writes one 1 per known value, an all-zero block for unknown ones, and counts them', () => {
    const fitted = ['icmp', 'tcp', 'udp'];
    const test = column(['udp', 'new', 'icmp', 'new'], ['new', 'udp', 'icmp']);
    const out = new Float32Array(4 * 5).fill(9);
    const toFitted = codesToFitted(fitted, test);
    const unknown = oneHotInto(test.codes, toFitted, fitted.length, { out, stride: 5, offset: 1 });
    expect(unknown).toBe(2);
    const blocks = [0, 1, 2, 3].map((r) => [...out.subarray(r * 5, r * 5 + 5)]);
    expect(blocks).toEqual([
      [9, 0, 0, 1, 9],
      [9, 0, 0, 0, 9],
      [9, 1, 0, 0, 9],
      [9, 0, 0, 0, 9],
    ]);
  });
});
