import { describe, expect, it } from 'vitest';
import type { Table } from '../data/table.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { describeInput } from './input-fields.js';

const table: Table = {
  nRows: 3,
  features: [
    { kind: 'categorical', name: 'proto', codes: Int32Array.from([0, 1, 0]), categories: ['tcp', 'udp'] },
    { kind: 'numeric', name: 'bytes', values: Float32Array.from([10, 1000, 99]) },
    { kind: 'numeric', name: 'rate', values: Float32Array.from([0.5, 0.25, 1]) },
  ],
  label: { kind: 'categorical', name: 'label', codes: new Int32Array(3), categories: ['normal'] },
  lineNumbers: Uint32Array.from([1, 2, 3]),
};

describe('describeInput', () => {
  it('lists the fields in column order with their training ranges and values, and an example record', () => {
    const pipeline = new FeaturePipeline({ log1pColumns: ['bytes'] }).fit(table);
    const { fields, example } = describeInput(pipeline.toJSON());
    expect(fields).toEqual([
      { name: 'proto', type: 'categorical', values: ['tcp', 'udp'], valueCount: 2 },
      { name: 'bytes', type: 'numeric', min: 10, max: 1000 },
      { name: 'rate', type: 'numeric', min: 0.25, max: 1 },
    ]);
    expect(example).toEqual({ proto: 'tcp', bytes: 10, rate: 0.25 });
    // The example is a record the model accepts without clipping or unknown categories.
    const encoded = pipeline.transform({
      ...table,
      nRows: 1,
      features: [
        { kind: 'categorical', name: 'proto', codes: Int32Array.from([0]), categories: ['tcp'] },
        { kind: 'numeric', name: 'bytes', values: Float32Array.from([10]) },
        { kind: 'numeric', name: 'rate', values: Float32Array.from([0.25]) },
      ],
      lineNumbers: Uint32Array.from([1]),
    });
    expect(encoded.clipped).toBe(0);
    expect(encoded.unknownCategories).toEqual({ proto: 0 });
  });
});
