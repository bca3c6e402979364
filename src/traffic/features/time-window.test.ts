import { describe, expect, it } from 'vitest';
import { KeyedTimeWindow } from './time-window.js';
import { Random } from '../../util/random.js';

/** The window's counts worked out from scratch: every connection of `key` in (ts − seconds, ts]. */
function bruteForce(history: { key: number; other: number; ts: number }[], key: number, other: number) {
  const now = history[history.length - 1].ts;
  const inWindow = history.filter((h) => h.key === key && h.ts >= now - 2);
  return { n: inWindow.length, same: inWindow.filter((h) => h.other === other).length };
}

describe('KeyedTimeWindow', () => {
  for (const indexOthers of [true, false]) {
    it(`counts per other value through bursts above and below the index threshold (indexOthers ${indexOthers})`, () => {
      // Bursts of up to 200 connections to one key within the window push it past 64 entries (indexed)
      // and quiet spells let it drain below 16 (a pass again); every count is checked against brute force.
      const window = new KeyedTimeWindow<number, number>({
        seconds: 2,
        maxPerKey: 511,
        maxKeys: 100,
        indexOthers,
      });
      const rng = new Random(7);
      const random = () => rng.next();
      const history: { key: number; other: number; ts: number }[] = [];
      let ts = 0;
      for (let burst = 0; burst < 30; burst++) {
        const size = Math.floor(random() * 200);
        for (let i = 0; i < size; i++) {
          ts += random() * 0.005;
          const key = random() < 0.8 ? 1 : 2;
          const other = Math.floor(random() * 5);
          history.push({ key, other, ts });
          const bucket = window.add(key, other, ts, 0);
          const expected = bruteForce(history, key, other);
          expect([bucket.n, bucket.countOf(other)]).toEqual([expected.n, expected.same]);
        }
        ts += random() * 3;
      }
    });
  }
});
