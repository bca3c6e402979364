import { describe, expect, it } from 'vitest';
import {
  CleaningReportBuilder,
  countDistinct,
  countOverlap,
  formatCleaningReport,
} from './cleaning-report.js';

describe('countOverlap', () => {
  it('counts test rows whose key appears in train, each test duplicate included', () => {
    const train = new Float64Array([1, 2, 3, 2 ** 52 + 1]);
    const test = new Float64Array([3, 3, 4, 2 ** 52 + 1, 2 ** 52]);
    expect(countOverlap(train, test)).toBe(3);
    expect(countOverlap(test, train)).toBe(2);
    expect(countOverlap(new Float64Array(0), test)).toBe(0);
  });

  it('counts distinct keys', () => {
    expect(countDistinct(new Float64Array([5, 5, 6, 7, 7, 7]))).toBe(3);
  });
});

describe('CleaningReportBuilder', () => {
  it('keeps rowsRead = rowsKept + rowsRejected and limits the examples, not the counts', () => {
    const builder = new CleaningReportBuilder('f.csv', 2);
    builder.kept();
    builder.rejected({ line: 2, reason: 'empty value', field: 'a' });
    builder.missing('a');
    builder.rejected({ line: 3, reason: 'NaN or Inf', field: 'b', detail: '"NaN"' });
    builder.rejected({ line: 4, reason: 'empty value', field: 'a' });
    builder.missing('a');
    builder.kept();
    const report = builder.build();
    expect(report).toMatchObject({ file: 'f.csv', rowsRead: 5, rowsKept: 2, rowsRejected: 3 });
    expect(report.rejectedByReason).toEqual({ 'empty value': 2, 'NaN or Inf': 1 });
    expect(report.missingPerColumn).toEqual({ a: 2 });
    expect(report.rejectedExamples.map((r) => r.line)).toEqual([2, 3]);
  });
});

describe('formatCleaningReport', () => {
  it('states the counts, the reasons, the empty columns and an example with its location', () => {
    const text = formatCleaningReport({
      file: 'train.csv',
      rowsRead: 1234,
      rowsKept: 1230,
      rowsRejected: 4,
      rejectedByReason: { 'wrong column count': 3, 'empty value': 1 },
      rejectedExamples: [{ line: 17, reason: 'wrong column count', detail: '41 fields, expected 43' }],
      missingPerColumn: { service: 1 },
      duplicateRows: 9,
    });
    expect(text).toContain('train.csv: 1,234 rows read, 1,230 kept, 4 rejected, 9 exact duplicates');
    expect(text).toContain('rejected: wrong column count 3, empty value 1');
    expect(text).toContain('empty fields: service 1');
    expect(text).toContain('line 17: wrong column count (41 fields, expected 43)');
  });

  it('stays on one line when nothing was rejected', () => {
    const text = formatCleaningReport({
      file: 'ok.csv',
      rowsRead: 3,
      rowsKept: 3,
      rowsRejected: 0,
      rejectedByReason: {},
      rejectedExamples: [],
      missingPerColumn: {},
      duplicateRows: 0,
    });
    expect(text.split('\n')).toHaveLength(1);
  });
});
