import { IotIdsError } from '../errors.js';
import type { ConnRecord } from '../traffic/conn-record.js';
import { buildFeatureTable } from '../traffic/features/feature-table.js';
import { isFeatureSetName } from '../traffic/features/feature-set.js';
import { readConnections } from '../traffic/read-connections.js';
import type { CleaningReport, RejectedRow } from './cleaning-report.js';
import type { LoadResult } from './load-table.js';
import { RowKeyHasher } from './row-key.js';
import type { DatasetSchema, TaskName } from './schema.js';

/**
 * The raw label a connection gets for `task`: `detailed` reads the detailed label (IoT-23's
 * `detailed-label`), except that a connection whose `label` says benign is `Benign` whatever its detail
 * (Stratosphere's logs write `From_benign-To_benign-…` there) and a malicious one without detail keeps
 * `label`; every other task reads `label` (Malicious / Benign).
 */
export function trafficLabelFor(task: TaskName): (record: ConnRecord) => string {
  if (task !== 'detailed') return (r) => r.label ?? '';
  return (r) => {
    const label = r.label ?? '';
    if (label.toLowerCase() === 'benign') return 'Benign';
    return r.detailedLabel !== undefined && r.detailedLabel !== '' ? r.detailedLabel : label;
  };
}

/**
 * Loads a labelled capture or flow log (a `trafficInput` dataset, e.g. IoT-23's conn.log) as a Table: the
 * traffic reader makes connection records, the schema's feature set makes their features, each row keeps its
 * connection's start time (for time-split) and source line. Lines or packets the reader skipped are the
 * rejected rows of the cleaning report, by reason.
 */
export async function loadTrafficTable(
  path: string,
  schema: DatasetSchema,
  task: TaskName,
  options: { sourceName?: string; onProgress?: (records: number) => void } = {},
): Promise<LoadResult> {
  const file = options.sourceName ?? path;
  const set = schema.featureSet;
  if (set === undefined || !isFeatureSetName(set)) {
    throw new IotIdsError(
      `dataset "${schema.name}" reads traffic but names no traffic feature set (conn or kdd-traffic): "${set ?? ''}"`,
      { location: { file } },
    );
  }
  const { records, summary } = await readConnections(path, {
    onProgress: (n) => options.onProgress?.(n),
  });
  const built = buildFeatureTable(records, set, { labelOf: trafficLabelFor(task) });
  const expected = schema.columns.map((c) => `${c.name}:${c.type}`).join(',');
  const got = built.columns.map((c) => `${c.name}:${c.type}`).join(',');
  if (expected !== got) {
    throw new IotIdsError(
      `dataset "${schema.name}" lists columns that are not those of the ${set} feature set plus label ` +
        `(expected ${got}; the schema has ${expected})`,
      { location: { file } },
    );
  }
  const rowKeys = rowKeysOf(built.table);
  const skipped = Object.values(summary.skipped).reduce((a, b) => a + b, 0);
  const examples: RejectedRow[] = Object.entries(summary.skipExamples).flatMap(([reason, where]) =>
    where.map((w) => ({ line: Number(/\d+/.exec(w)?.[0] ?? 0), reason, detail: w })),
  );
  const report: CleaningReport = {
    file,
    rowsRead: records.length + skipped,
    rowsKept: records.length,
    rowsRejected: skipped,
    rejectedByReason: { ...summary.skipped },
    rejectedExamples: examples.slice(0, 100),
    missingPerColumn: {},
    duplicateRows: countDuplicates(rowKeys),
  };
  return { table: built.table, report, rowKeys };
}

/** The row key (see row-key.ts) of every row's feature values and raw label. */
function rowKeysOf(table: LoadResult['table']): Float64Array {
  const hasher = new RowKeyHasher();
  const keys = new Float64Array(table.nRows);
  for (let i = 0; i < table.nRows; i++) {
    hasher.reset();
    for (const c of table.features) {
      if (c.kind === 'numeric') hasher.addNumber(c.values[i]);
      else hasher.addString(c.categories[c.codes[i]]);
    }
    hasher.addString(table.label.categories[table.label.codes[i]]);
    keys[i] = hasher.digest();
  }
  return keys;
}

function countDuplicates(keys: Float64Array): number {
  const seen = new Set<number>();
  let duplicates = 0;
  for (const k of keys) {
    if (seen.has(k)) duplicates++;
    else seen.add(k);
  }
  return duplicates;
}
