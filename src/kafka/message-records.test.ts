import { describe, expect, it } from 'vitest';
import { rawLabelAt } from '../data/table.js';
import { UNLABELLED } from '../detection/detection-table.js';
import { TINY_SCHEMA, tinyLine, tinyRows } from '../detection/test-helpers/tiny-model.js';
import { decodeMessages, REJECTIONS } from './message-records.js';

const rows = tinyRows(5, 6);
const json = (i: number) =>
  JSON.stringify({
    duration: rows[i].duration,
    proto: rows[i].proto,
    signal: rows[i].signal,
    noise: rows[i].noise,
  });

describe('decodeMessages', () => {
  it("reads JSON objects and CSV lines of every layout, mixed, keeping each row's message position", async () => {
    const values = [
      json(0),
      tinyLine(rows[1], 'all-columns'),
      Buffer.from(`${tinyLine(rows[2], 'features-only')}\r\n`),
      json(3),
      tinyLine(rows[4], 'without-label'),
      tinyLine(rows[5], 'all-columns'),
    ];
    const { parts, rejected } = await decodeMessages(values, TINY_SCHEMA);
    expect(rejected).toEqual([]);
    const byMessage = new Map<number, number>();
    for (const part of parts) {
      const signal = part.table.features.find((c) => c.name === 'signal')!;
      part.messageIndices.forEach((m, row) => {
        if (signal.kind === 'numeric') byMessage.set(m, signal.values[row]);
        expect(rawLabelAt(part.table, row)).toBe(UNLABELLED);
      });
    }
    expect([...byMessage.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const [m, signal] of byMessage) expect(signal).toBeCloseTo(rows[m].signal, 4);
    expect(parts.map((p) => p.format).sort()).toEqual(['csv', 'csv', 'csv', 'json']);
  });

  it('rejects bad messages one by one with their position, reason and field', async () => {
    const values = [
      json(0),
      null,
      '   ',
      '{"duration": 1,',
      JSON.stringify({ duration: 1, proto: 'tcp', signal: 'high', noise: 0.5 }),
      JSON.stringify({ duration: 1, proto: 'tcp', signal: 3, noise: 0.5, colour: 'red' }),
      '[1, 2]',
      '1,tcp,3',
      '1,tcp,abc,0.5',
      `${tinyLine(rows[1])}\n${tinyLine(rows[2])}`,
      tinyLine(rows[3]),
    ];
    const { parts, rejected } = await decodeMessages(values, TINY_SCHEMA);
    expect(parts.flatMap((p) => Array.from(p.messageIndices)).sort()).toEqual([0, 10]);
    expect(rejected.map((r) => [r.index, r.reason, r.field])).toEqual([
      [1, REJECTIONS.empty, undefined],
      [2, REJECTIONS.empty, undefined],
      [3, REJECTIONS.invalidJson, undefined],
      [4, REJECTIONS.invalidRecord, 'signal'],
      [5, REJECTIONS.invalidRecord, 'colour'],
      [6, REJECTIONS.invalidRecord, undefined],
      [7, 'wrong column count', undefined],
      [8, 'non-numeric value', 'signal'],
      [9, REJECTIONS.severalLines, undefined],
    ]);
    expect(rejected[3].detail).toMatch(/expected a number, got string "high"/);
    expect(rejected[5].detail).toMatch(/got an array/);
    expect(rejected[6].detail).toMatch(/3 fields, expected 6/);
  });

  it('returns nothing for no messages', async () => {
    expect(await decodeMessages([], TINY_SCHEMA)).toEqual({ parts: [], rejected: [] });
  });
});
