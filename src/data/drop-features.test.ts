import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { withoutFeatures } from './drop-features.js';
import type { DatasetDefinition } from './schema.js';

const dataset: DatasetDefinition = {
  name: 'tiny',
  title: 'tiny',
  schema: {
    name: 'tiny',
    columns: [
      { name: 'id', type: 'ignore' },
      { name: 'bytes', type: 'numeric' },
      { name: 'proto', type: 'categorical' },
      { name: 'count', type: 'numeric' },
      { name: 'label', type: 'label' },
    ],
    header: true,
    delimiter: ',',
    logColumns: ['bytes', 'count'],
  },
  splits: [{ name: 'train', file: 'tiny.csv' }],
  official: { train: 'train', tests: [] },
  randomSplitSource: 'train',
  tasks: ['binary'],
};

function failure(names: string[]): IotIdsError {
  try {
    withoutFeatures(dataset, names);
  } catch (error) {
    if (error instanceof IotIdsError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('withoutFeatures', () => {
  it('turns the named features into ignore columns, in place, and out of the log1p list', () => {
    const dropped = withoutFeatures(dataset, ['count', 'proto']);
    expect(dropped.schema.columns).toEqual([
      { name: 'id', type: 'ignore' },
      { name: 'bytes', type: 'numeric' },
      { name: 'proto', type: 'ignore' },
      { name: 'count', type: 'ignore' },
      { name: 'label', type: 'label' },
    ]);
    expect(dropped.schema.logColumns).toEqual(['bytes']);
    expect(dropped.splits).toBe(dataset.splits);
    // The input is not changed.
    expect(dataset.schema.columns[3]).toEqual({ name: 'count', type: 'numeric' });
  });

  it('returns the dataset itself for an empty list', () => {
    expect(withoutFeatures(dataset, [])).toBe(dataset);
  });

  it('refuses a name that is no feature, naming the entry and listing the features', () => {
    const unknown = failure(['bytes', 'bites']);
    expect(unknown.kind).toBe('usage');
    expect(unknown.location.field).toBe('dropFeatures.1');
    expect(unknown.message).toContain('"bites" is not a column of dataset "tiny"');
    expect(unknown.message).toContain('bytes, proto, count');
    expect(failure(['label']).message).toContain('"label" is a label column, not a feature');
    expect(failure(['id']).message).toContain('"id" is an ignore column, not a feature');
  });

  it('refuses a name listed twice and a list that drops every feature', () => {
    const twice = failure(['count', 'count']);
    expect(twice.message).toContain('"count" is listed twice');
    expect(twice.location.field).toBe('dropFeatures.1');
    expect(failure(['bytes', 'proto', 'count']).message).toContain('would drop every feature');
  });

  it('refuses datasets whose columns are computed from traffic', () => {
    const traffic = { ...dataset, schema: { ...dataset.schema, trafficInput: true } };
    expect(() => withoutFeatures(traffic, ['bytes'])).toThrow(/computes its columns from traffic/);
  });
});
