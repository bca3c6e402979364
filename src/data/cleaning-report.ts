/**
 * What loading a file kept and threw away. Nothing is dropped silently: every data line is either kept or
 * counted under a rejection reason, so `rowsRead === rowsKept + rowsRejected` always holds.
 */
export interface RejectedRow {
  /** 1-based line in the file (a header counts as line 1). */
  line: number;
  /** One of the `REJECT_REASONS` values. */
  reason: string;
  /** The column at fault, when the problem is in one field. */
  field?: string;
  /** Extra context: the offending value (shortened) or the field count found. */
  detail?: string;
}

export interface CleaningReport {
  file: string;
  rowsRead: number;
  rowsKept: number;
  rowsRejected: number;
  /** Rejected rows per reason (each rejected row is counted once, under its first problem). */
  rejectedByReason: Record<string, number>;
  /** The first rejected rows, up to `maxRejectedExamples` (default 100). */
  rejectedExamples: RejectedRow[];
  /** Empty fields per column; columns without any are absent. Such rows are rejected too. */
  missingPerColumn: Record<string, number>;
  /** Kept rows that exactly repeat an earlier kept row (feature and label values; ignored columns excluded). */
  duplicateRows: number;
}

/** The rejection reasons the loader uses; they are the keys of `rejectedByReason`. */
export const REJECT_REASONS = {
  wrongColumnCount: 'wrong column count',
  nonNumeric: 'non-numeric value',
  /** A number JavaScript would read (hex, octal, binary, a plus sign, non-ASCII padding) but not decimal. */
  nonDecimal: 'non-decimal number',
  nanOrInf: 'NaN or Inf',
  outOfRange: 'out of float32 range',
  empty: 'empty value',
  invalidUtf8: 'invalid UTF-8',
  malformedQuotes: 'malformed quotes',
  lineTooLong: 'line too long',
  invalidTime: 'invalid date or time',
} as const;

export type RejectReason = (typeof REJECT_REASONS)[keyof typeof REJECT_REASONS];

/** Accumulates a `CleaningReport` while a file streams through the loader. */
export class CleaningReportBuilder {
  rowsRead = 0;
  rowsKept = 0;
  rowsRejected = 0;
  duplicateRows = 0;
  private readonly rejectedByReason: Record<string, number> = {};
  private readonly rejectedExamples: RejectedRow[] = [];
  private readonly missingPerColumn: Record<string, number> = {};

  constructor(
    private readonly file: string,
    private readonly maxRejectedExamples: number,
  ) {}

  kept(count = 1): void {
    this.rowsRead += count;
    this.rowsKept += count;
  }

  rejected(row: RejectedRow): void {
    this.rowsRead++;
    this.rowsRejected++;
    this.rejectedByReason[row.reason] = (this.rejectedByReason[row.reason] ?? 0) + 1;
    if (this.rejectedExamples.length < this.maxRejectedExamples) this.rejectedExamples.push(row);
  }

  missing(column: string): void {
    this.missingPerColumn[column] = (this.missingPerColumn[column] ?? 0) + 1;
  }

  build(): CleaningReport {
    return {
      file: this.file,
      rowsRead: this.rowsRead,
      rowsKept: this.rowsKept,
      rowsRejected: this.rowsRejected,
      rejectedByReason: { ...this.rejectedByReason },
      rejectedExamples: [...this.rejectedExamples],
      missingPerColumn: { ...this.missingPerColumn },
      duplicateRows: this.duplicateRows,
    };
  }
}

/** Number of test rows whose key also appears among the training keys (test duplicates each count). */
export function countOverlap(trainKeys: Float64Array, testKeys: Float64Array): number {
  const train = new Set<number>(trainKeys);
  let overlap = 0;
  for (let i = 0; i < testKeys.length; i++) if (train.has(testKeys[i])) overlap++;
  return overlap;
}

/** Number of distinct keys (rows left after exact de-duplication). */
export function countDistinct(keys: Float64Array): number {
  return new Set<number>(keys).size;
}

/** A few lines of plain text for the terminal. */
export function formatCleaningReport(r: CleaningReport): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const lines = [
    `${r.file}: ${n(r.rowsRead)} rows read, ${n(r.rowsKept)} kept, ${n(r.rowsRejected)} rejected, ` +
      `${n(r.duplicateRows)} exact duplicates among kept rows`,
  ];
  const byReason = Object.entries(r.rejectedByReason).sort((x, y) => y[1] - x[1]);
  if (byReason.length > 0) {
    lines.push(`  rejected: ${byReason.map(([reason, count]) => `${reason} ${n(count)}`).join(', ')}`);
  }
  const missing = Object.entries(r.missingPerColumn).sort((x, y) => y[1] - x[1]);
  if (missing.length > 0) {
    lines.push(`  empty fields: ${missing.map(([column, count]) => `${column} ${n(count)}`).join(', ')}`);
  }
  for (const example of r.rejectedExamples.slice(0, 3)) {
    lines.push(`  e.g. ${describeRejectedRow(example)}`);
  }
  return lines.join('\n');
}

export function describeRejectedRow(row: RejectedRow): string {
  const where = row.field === undefined ? `line ${row.line}` : `line ${row.line}, field "${row.field}"`;
  return `${where}: ${row.reason}${row.detail === undefined ? '' : ` (${row.detail})`}`;
}
