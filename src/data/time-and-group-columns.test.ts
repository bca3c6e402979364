import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadTableFromStream } from './load-table.js';
import type { DatasetSchema } from './schema.js';
import { selectRows } from './table.js';

/** TON_IoT's layout: date and time columns (padded and unpadded), a reading and a label. */
const TELEMETRY: DatasetSchema = {
  name: 'fridge',
  columns: [
    { name: 'date', type: 'ignore' },
    { name: 'time', type: 'ignore' },
    { name: 'device', type: 'ignore' },
    { name: 'temp', type: 'numeric' },
    { name: 'type', type: 'label' },
  ],
  header: true,
  delimiter: ',',
  time: { date: 'date', time: 'time' },
  groupColumn: 'device',
};

const DAY = Date.UTC(2019, 3, 25) / 1000;

async function load(text: string, schema: DatasetSchema = TELEMETRY) {
  return loadTableFromStream(Readable.from([text]), schema, { sourceName: 'fridge.csv' });
}

describe('time and group columns', () => {
  it('keep each row time and device beside the features, through row selection', async () => {
    const { table, report } = await load(
      'date,time,device,temp,type\r\n' +
        '25-Apr-19, 19:19:40 ,fridge-1,9,ddos\r\n' +
        '25-Apr-19,8:59:02,"fridge-2",9.25,normal\r\n' +
        '26-Apr-19, 00:00:01 ,fridge-1,4,normal\r\n',
    );
    expect(report.rowsKept).toBe(3);
    expect(table.features.map((c) => c.name)).toEqual(['temp']);
    expect(Array.from(table.timestamps ?? [])).toEqual([
      DAY + 19 * 3600 + 19 * 60 + 40,
      DAY + 8 * 3600 + 59 * 60 + 2,
      DAY + 86400 + 1,
    ]);
    expect(table.groups?.categories).toEqual(['fridge-1', 'fridge-2']);
    expect(Array.from(table.groups?.codes ?? [])).toEqual([0, 1, 0]);
    const picked = selectRows(table, [2, 1]);
    expect(Array.from(picked.timestamps ?? [])).toEqual([DAY + 86401, DAY + 8 * 3600 + 59 * 60 + 2]);
    expect(Array.from(picked.groups?.codes ?? [])).toEqual([0, 1]);
  });

  it('reject and count a row whose date or time cannot be read, naming the field', async () => {
    const { table, report } = await load(
      'date,time,device,temp,type\n25-Apr-19,12:00:00,a,1,normal\n2019/13/45,12:00:00,a,2,normal\n25-Apr-19,noon,a,3,normal\n25-Apr-19,12:00:00, ,3,normal\n',
    );
    expect(table.nRows).toBe(1);
    expect(report.rejectedByReason).toEqual({ 'invalid date or time': 2, 'empty value': 1 });
    expect(report.rejectedExamples.map((r) => [r.line, r.field, r.detail])).toEqual([
      [3, 'date', '"2019/13/45"'],
      [4, 'time', '"noon"'],
      [5, 'device', undefined],
    ]);
  });

  it('a numeric timestamp column can be a feature as well as the order', async () => {
    const schema: DatasetSchema = {
      name: 'conn',
      columns: [
        { name: 'ts', type: 'numeric' },
        { name: 'bytes', type: 'numeric' },
        { name: 'label', type: 'label' },
      ],
      header: false,
      delimiter: ',',
      time: { timestamp: 'ts' },
    };
    const { table } = await load('1556220000.5,10,benign\n1556220001,20,benign\n', schema);
    expect(table.features.map((c) => c.name)).toEqual(['ts', 'bytes']);
    expect(Array.from(table.timestamps ?? [])).toEqual([1556220000.5, 1556220001]);
    expect(table.groups).toBeUndefined();
  });
});
