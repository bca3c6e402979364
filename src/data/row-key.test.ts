import { describe, expect, it } from 'vitest';
import { Random } from '../util/random.js';
import { RowKeyHasher } from './row-key.js';

function keyOf(values: (number | string)[]): number {
  const hasher = new RowKeyHasher();
  for (const value of values) {
    if (typeof value === 'number') hasher.addNumber(value);
    else hasher.addString(value);
  }
  return hasher.digest();
}

describe('RowKeyHasher', () => {
  it('gives equal rows equal keys and resets between rows', () => {
    const hasher = new RowKeyHasher();
    hasher.addNumber(1.5);
    hasher.addString('tcp');
    const first = hasher.digest();
    hasher.reset();
    hasher.addNumber(1.5);
    hasher.addString('tcp');
    expect(hasher.digest()).toBe(first);
    expect(keyOf([1.5, 'tcp'])).toBe(first);
  });

  it('returns integers in [0, 2^53) that survive a Float64Array', () => {
    const random = new Random(11);
    const keys = new Float64Array(1000);
    for (let i = 0; i < keys.length; i++) keys[i] = keyOf([random.next(), `s${random.int(50)}`]);
    for (const key of keys) {
      expect(Number.isSafeInteger(key)).toBe(true);
      expect(key).toBeGreaterThanOrEqual(0);
    }
    // Both 32-bit streams contribute: the low 21 bits and the high bits vary.
    expect(new Set(Array.from(keys, (k) => k % 2 ** 21)).size).toBeGreaterThan(990);
    expect(new Set(Array.from(keys, (k) => Math.floor(k / 2 ** 21))).size).toBeGreaterThan(990);
  });

  it('depends on order, field boundaries and value', () => {
    expect(keyOf([1, 2])).not.toBe(keyOf([2, 1]));
    expect(keyOf(['ab', 'c'])).not.toBe(keyOf(['a', 'bc']));
    expect(keyOf([0.1])).not.toBe(keyOf([0.1 + Number.EPSILON]));
    expect(keyOf([16_777_216])).not.toBe(keyOf([16_777_217])); // equal as float32, distinct as source values
  });

  it('treats -0 and 0 as the same value', () => {
    expect(keyOf([-0, 'x'])).toBe(keyOf([0, 'x']));
  });

  it('has no collisions among 200k distinct rows that differ in one field', () => {
    const keys = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      keys.add(keyOf([0, i, 'tcp', 'normal']));
      keys.add(keyOf([0, i / 1000, 'tcp', 'normal']));
    }
    // i / 1000 equals an integer i' for i = 1000·i', so those 100 rows repeat an earlier key.
    expect(keys.size).toBe(200_000 - 100);
  });
});
