import { describe, expect, it } from 'vitest';
import { PacketAlertAggregator } from './alert-aggregator.js';

describe('PacketAlertAggregator', () => {
  it('folds alerts per source and window and emits a window once time has passed it', () => {
    const aggregator = new PacketAlertAggregator(10);
    expect(aggregator.add('192.168.2.16', 100, 1, 5)).toEqual([]);
    expect(aggregator.add('192.168.2.16', 101, 2, 9)).toEqual([]);
    expect(aggregator.add('10.0.0.9', 102, 3, 4)).toEqual([]);
    expect(aggregator.advance(105)).toEqual([]);
    const closed = aggregator.advance(110);
    expect(closed).toHaveLength(2);
    const scanner = closed.find((g) => g.source === '192.168.2.16');
    expect(scanner).toMatchObject({
      windowStart: 100,
      count: 2,
      firstIndex: 1,
      lastIndex: 2,
      firstScore: 5,
      maxScore: 9,
      firstTs: 100,
      lastTs: 101,
    });
    aggregator.add('192.168.2.16', 111, 4, 7);
    expect(aggregator.drain()).toMatchObject([{ windowStart: 110, count: 1 }]);
    expect(aggregator.drain()).toEqual([]);
  });

  it('rejects a non-positive window', () => {
    expect(() => new PacketAlertAggregator(0)).toThrow(RangeError);
  });
});
