import { describe, expect, it } from 'vitest';
import { dedupSplit, type LabelledSplit } from './labelled-split.js';

function split(keys: number[]): LabelledSplit {
  const n = keys.length;
  return {
    name: 'train',
    path: 'train.csv',
    table: {
      nRows: n,
      features: [{ kind: 'numeric', name: 'bytes', values: Float32Array.from(keys) }],
      label: { kind: 'categorical', name: 'label', codes: new Int32Array(n), categories: ['normal'] },
      lineNumbers: Uint32Array.from(keys.map((_, i) => i + 1)),
    },
    y: Int32Array.from(keys.map((k) => k % 2)),
    classes: ['normal', 'attack'],
    rowKeys: Float64Array.from(keys),
    cleaning: {
      file: 'train.csv',
      rowsRead: n,
      rowsKept: n,
      rowsRejected: 0,
      rejectedByReason: {},
      rejectedExamples: [],
      missingPerColumn: {},
      duplicateRows: 3,
      taskExcluded: 0,
      taskExcludedByLabel: {},
      unknownLabels: {},
    },
  };
}

describe('dedupSplit', () => {
  it('keeps the first occurrence of each row, in order, and counts what it removed', () => {
    const deduped = dedupSplit(split([5, 7, 5, 8, 7, 5]));
    expect(Array.from(deduped.rowKeys)).toEqual([5, 7, 8]);
    expect(Array.from(deduped.table.lineNumbers)).toEqual([1, 2, 4]);
    expect(Array.from(deduped.y)).toEqual([1, 1, 0]);
    expect(deduped.cleaning.dedupRemoved).toBe(3);
  });
});
