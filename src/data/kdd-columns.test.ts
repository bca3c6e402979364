import { describe, expect, it } from 'vitest';
import { KDD_CATEGORICAL_COLUMNS, KDD_FEATURE_NAMES, KDD_LOG_COLUMNS, kddColumns } from './kdd-columns.js';

describe('kddColumns', () => {
  it('lists the 41 KDD features in file order with the three categoricals typed as such', () => {
    const columns = kddColumns([]);
    expect(columns).toHaveLength(41);
    expect(columns[0]).toEqual({ name: 'duration', type: 'numeric' });
    expect(columns[40].name).toBe('dst_host_srv_rerror_rate');
    expect(columns.filter((c) => c.type === 'categorical').map((c) => c.name)).toEqual([
      'protocol_type',
      'service',
      'flag',
    ]);
    expect(new Set(KDD_FEATURE_NAMES).size).toBe(41);
  });

  it('appends the trailing columns after the features', () => {
    const columns = kddColumns([
      { name: 'label', type: 'label' },
      { name: 'difficulty', type: 'ignore' },
    ]);
    expect(columns).toHaveLength(43);
    expect(columns.slice(41)).toEqual([
      { name: 'label', type: 'label' },
      { name: 'difficulty', type: 'ignore' },
    ]);
  });

  it('only marks numeric feature columns as log columns', () => {
    for (const name of KDD_LOG_COLUMNS) {
      expect(KDD_FEATURE_NAMES as readonly string[]).toContain(name);
      expect(KDD_CATEGORICAL_COLUMNS).not.toContain(name);
    }
    expect(KDD_LOG_COLUMNS).toEqual(expect.arrayContaining(['duration', 'src_bytes', 'dst_bytes']));
  });
});
