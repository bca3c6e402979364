import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CategoricalColumn, NumericColumn, Table } from '../data/table.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { UNLABELLED } from './detection-table.js';
import { recordsToTable } from './json-records.js';
import { streamRecordBatches } from './record-batches.js';
import { TINY_SCHEMA, tinyLine, tinyRows } from './test-helpers/tiny-model.js';

const valid = { duration: 12, proto: 'tcp', signal: 3.5, noise: 0.25 };

describe('recordsToTable', () => {
  it('builds columns from fields by name, ignoring label and ignored columns whatever their value', () => {
    const { table, errors, rowIndices } = recordsToTable(
      [
        valid,
        { ...valid, proto: ' udp ', signal: 14, label: 'whatever', difficulty: null },
        { ...valid, label: 3 },
      ],
      TINY_SCHEMA,
    );
    expect(errors).toEqual([]);
    expect(table.nRows).toBe(3);
    expect(table.features.map((c) => c.name)).toEqual(['duration', 'proto', 'signal', 'noise']);
    expect(Array.from((table.features[2] as NumericColumn).values)).toEqual([3.5, 14, 3.5]);
    const proto = table.features[1] as CategoricalColumn;
    expect(Array.from(proto.codes, (c) => proto.categories[c])).toEqual(['tcp', 'udp', 'tcp']);
    expect(table.label.categories).toEqual([UNLABELLED]);
    expect(Array.from(rowIndices)).toEqual([0, 1, 2]);
    expect(Array.from(table.lineNumbers)).toEqual([1, 2, 3]);
  });

  it('names index and field of every problem and leaves those records out', () => {
    const { table, errors, rowIndices } = recordsToTable(
      [
        valid,
        { ...valid, signal: '3.5' },
        { duration: 1, proto: 'tcp', noise: 0 },
        { ...valid, Signal: 2, extra: true },
        null,
        [1, 2, 3],
        { ...valid, proto: 6, duration: Number.NaN },
        { ...valid, proto: '  ', noise: 1e39 },
        { ...valid, duration: null },
        valid,
      ],
      TINY_SCHEMA,
    );
    expect(errors).toEqual([
      { index: 1, field: 'signal', message: 'expected a number, got string "3.5"' },
      { index: 2, field: 'signal', message: 'missing (a number is required)' },
      {
        index: 3,
        field: 'Signal',
        message: 'unknown field, not a column of dataset "tiny"; did you mean "signal"?',
      },
      { index: 3, field: 'extra', message: 'unknown field, not a column of dataset "tiny"' },
      { index: 4, message: 'expected an object with one field per column, got null' },
      { index: 5, message: 'expected an object with one field per column, got an array' },
      { index: 6, field: 'duration', message: 'expected a finite number, got NaN' },
      { index: 6, field: 'proto', message: 'expected a string, got number 6' },
      { index: 7, field: 'proto', message: 'expected a non-empty string' },
      { index: 7, field: 'noise', message: '1e+39 is out of float32 range' },
      { index: 8, field: 'duration', message: 'expected a number, got null' },
    ]);
    expect(Array.from(rowIndices)).toEqual([0, 9]);
    expect(Array.from(table.lineNumbers)).toEqual([1, 10]);
    expect(table.nRows).toBe(2);
  });

  it('gives an empty table with the feature columns when no record is valid', () => {
    const { table, errors } = recordsToTable([{}], TINY_SCHEMA);
    expect(table.nRows).toBe(0);
    expect(table.features.map((c) => c.name)).toEqual(['duration', 'proto', 'signal', 'noise']);
    expect(errors.map((e) => e.field)).toEqual(['duration', 'proto', 'signal', 'noise']);
  });

  it('encodes to the same features as the same records read from a file', async () => {
    const rows = tinyRows(8, 20);
    const fromJson = recordsToTable(
      rows.map(({ duration, proto, signal, noise }) => ({ duration, proto, signal, noise })),
      TINY_SCHEMA,
    ).table;
    const text = rows.map((r) => tinyLine(r)).join('\n');
    let fromFile: Table | undefined;
    for await (const batch of streamRecordBatches(Readable.from([text]), TINY_SCHEMA)) fromFile = batch.table;
    const pipeline = new FeaturePipeline().fit(fromFile!);
    expect(pipeline.transform(fromJson).x.data).toEqual(pipeline.transform(fromFile!).x.data);
  });
  it('reads fields in any order and tests ownership, so a column named like a prototype member is missing', () => {
    const schema = {
      ...TINY_SCHEMA,
      columns: [...TINY_SCHEMA.columns, { name: 'toString', type: 'categorical' as const }],
    };
    const { table, errors } = recordsToTable(
      [
        { noise: 0.25, toString: 'a', signal: 3.5, proto: 'tcp', duration: 12 },
        { ...valid },
        { ...valid, toString: 'b', label: 'x' },
      ],
      schema,
    );
    expect(errors).toEqual([{ index: 1, field: 'toString', message: 'missing (a string is required)' }]);
    expect(table.nRows).toBe(2);
    const column = table.features[4] as CategoricalColumn;
    expect(Array.from(column.codes, (c) => column.categories[c])).toEqual(['a', 'b']);
    expect(Array.from((table.features[0] as NumericColumn).values)).toEqual([12, 12]);
  });
});
