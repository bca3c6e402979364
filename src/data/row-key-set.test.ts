import { describe, expect, it } from 'vitest';
import { Random } from '../util/random.js';
import { RowKeySet } from './row-key-set.js';

describe('RowKeySet', () => {
  it('answers as a Set<number> does for keys up to 2^53, through several growths', () => {
    const random = new Random(3);
    const keys = new RowKeySet();
    const reference = new Set<number>();
    const pool = Array.from({ length: 3000 }, () => random.int(2 ** 21) * 2 ** 32 + random.int(2 ** 32));
    pool.push(0, 2 ** 53 - 1, 2 ** 32, 1);
    for (let k = 0; k < 20_000; k++) {
      const key = pool[random.int(pool.length)];
      expect(keys.add(key)).toBe(!reference.has(key));
      reference.add(key);
    }
  });

  it('keeps keys that share their low 32 bits apart', () => {
    const keys = new RowKeySet();
    for (let high = 0; high < 2000; high++) expect(keys.add(high * 2 ** 32 + 7)).toBe(true);
    for (let high = 0; high < 2000; high++) expect(keys.add(high * 2 ** 32 + 7)).toBe(false);
  });
});
