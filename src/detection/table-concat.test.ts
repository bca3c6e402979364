import { describe, expect, it } from 'vitest';
import type { Table } from '../data/table.js';
import { concatTables } from './table-concat.js';

function table(values: number[], protos: string[], categories: string[]): Table {
  return {
    nRows: values.length,
    features: [
      { kind: 'numeric', name: 'x', values: Float32Array.from(values) },
      {
        kind: 'categorical',
        name: 'proto',
        codes: Int32Array.from(protos.map((p) => categories.indexOf(p))),
        categories,
      },
    ],
    label: { kind: 'categorical', name: 'label', codes: new Int32Array(values.length), categories: ['?'] },
    lineNumbers: Uint32Array.from(values.map((_, i) => i + 1)),
  };
}

function protoAt(t: Table, i: number): string {
  const c = t.features[1];
  if (c.kind !== 'categorical') throw new Error('not categorical');
  return c.categories[c.codes[i]];
}

describe('concatTables', () => {
  it('stacks rows and remaps categories onto one dictionary', () => {
    const a = table([1, 2], ['tcp', 'udp'], ['tcp', 'udp']);
    const b = table([3, 4, 5], ['icmp', 'tcp', 'icmp'], ['icmp', 'tcp']);
    const t = concatTables([a, b]);
    expect(t.nRows).toBe(5);
    expect(Array.from((t.features[0] as { values: Float32Array }).values)).toEqual([1, 2, 3, 4, 5]);
    expect([0, 1, 2, 3, 4].map((i) => protoAt(t, i))).toEqual(['tcp', 'udp', 'icmp', 'tcp', 'icmp']);
    expect(Array.from(t.lineNumbers)).toEqual([1, 2, 1, 2, 3]);
    expect(t.label.codes).toHaveLength(5);
  });

  it('returns a single table as it is and refuses different columns', () => {
    const a = table([1], ['tcp'], ['tcp']);
    expect(concatTables([a])).toBe(a);
    const b: Table = { ...a, features: [a.features[1], a.features[0]] };
    expect(() => concatTables([a, b])).toThrow(/different feature columns/);
    expect(() => concatTables([])).toThrow();
  });
});
