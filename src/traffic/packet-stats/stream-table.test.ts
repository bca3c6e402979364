import { describe, expect, it } from 'vitest';
import { Random } from '../../util/random.js';
import { StreamTable } from './stream-table.js';

describe('StreamTable', () => {
  it('finds streams again, creates absent ones with zeroed state', () => {
    const table = new StreamTable(4, 2);
    const a = table.acquire('10.0.0.1', '10.0.0.2', 1, 2);
    expect(table.created).toBe(true);
    table.state[a * 2] = 7;
    expect(table.acquire('10.0.0.1', '10.0.0.2', 1, 2)).toBe(a);
    expect(table.created).toBe(false);
    expect(table.state[a * 2]).toBe(7);
    const b = table.acquire('10.0.0.1', '10.0.0.2', 2, 1);
    expect(b).not.toBe(a);
    expect(table.created).toBe(true);
    expect(table.size).toBe(2);
  });

  it('evicts the least recently used stream when full and counts it', () => {
    const table = new StreamTable(3, 1);
    table.acquire('a', '', 0, 0);
    table.acquire('b', '', 0, 0);
    table.acquire('c', '', 0, 0);
    table.acquire('a', '', 0, 0); // a is now the most recent: b is the oldest
    table.acquire('d', '', 0, 0);
    expect(table.evictions).toBe(1);
    expect(table.size).toBe(3);
    table.acquire('a', '', 0, 0);
    expect(table.created).toBe(false);
    table.acquire('c', '', 0, 0);
    expect(table.created).toBe(false);
    table.acquire('b', '', 0, 0);
    expect(table.created).toBe(true);
  });

  it('agrees with a Map-based LRU over a long random sequence (probing and deletion stay consistent)', () => {
    const capacity = 37;
    const table = new StreamTable(capacity, 1);
    const reference = new Map<string, number>(); // key → value, insertion order = recency
    const random = new Random(3);
    let evictions = 0;
    for (let step = 0; step < 20_000; step++) {
      const k = random.int(80);
      const key = `${k % 9}|${k}`;
      const slot = table.acquire(String(k % 9), String(k), k * 4294967296 + 5, k & 3);
      const known = reference.get(key);
      if (known === undefined) {
        expect(table.created).toBe(true);
        if (reference.size === capacity) {
          const oldest = reference.keys().next().value as string;
          reference.delete(oldest);
          evictions++;
        }
        table.state[slot] = step;
        reference.set(key, step);
      } else {
        expect(table.created).toBe(false);
        expect(table.state[slot]).toBe(known);
        reference.delete(key);
        reference.set(key, known);
      }
    }
    expect(table.evictions).toBe(evictions);
    expect(table.size).toBe(capacity);
  });
});
