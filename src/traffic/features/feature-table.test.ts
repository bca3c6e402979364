import { describe, expect, it } from 'vitest';
import { rawLabelAt, type NumericColumn, type CategoricalColumn } from '../../data/table.js';
import { buildFeatureTable } from './feature-table.js';
import { conn } from './test-records.js';

const records = [
  conn({ ts: 3, respP: 22, label: 'Malicious', detailedLabel: 'C&C', line: 12 }),
  conn({ ts: 1, respP: 80, label: 'Benign', detailedLabel: '', line: 10 }),
  conn({ ts: 2, respP: 80, label: 'Malicious', detailedLabel: 'DDoS', line: 11 }),
];

describe('buildFeatureTable', () => {
  it('builds a Table in time order with its ColumnSpec list and the feature-set name', () => {
    const { featureSet, columns, table, outOfOrder } = buildFeatureTable(records, 'kdd-traffic');
    expect(featureSet).toBe('kdd-traffic');
    expect(outOfOrder).toBe(0);
    expect(columns).toHaveLength(29);
    expect(columns.at(-1)).toEqual({ name: 'label', type: 'label' });
    expect(table.nRows).toBe(3);
    expect(table.features.map((c) => c.name)).toEqual(columns.slice(0, -1).map((c) => c.name));
    expect([...table.lineNumbers]).toEqual([10, 11, 12]);
    const count = table.features.find((c) => c.name === 'count') as NumericColumn;
    expect([...count.values]).toEqual([1, 2, 3]);
    const service = table.features.find((c) => c.name === 'service') as CategoricalColumn;
    expect([...service.codes].map((c) => service.categories[c])).toEqual(['http', 'http', 'ssh']);
    expect([0, 1, 2].map((i) => rawLabelAt(table, i))).toEqual(['Benign', 'Malicious', 'Malicious']);
  });

  it('uses the detailed label when asked, falling back to the label', () => {
    const { table } = buildFeatureTable(records, 'conn', { labelFrom: 'detailedLabel' });
    expect([0, 1, 2].map((i) => rawLabelAt(table, i))).toEqual(['Benign', 'DDoS', 'C&C']);
  });

  it('keeps input order when asked, with positions as line numbers when records have none', () => {
    const bare = records.map(({ line: _line, ...r }) => r);
    const { table, outOfOrder } = buildFeatureTable(bare, 'kdd-traffic', { sortByTime: false });
    expect([...table.lineNumbers]).toEqual([1, 2, 3]);
    expect(outOfOrder).toBe(2); // 1 and 2 both come after 3
  });
});
