import type { DatasetSchema } from '../data/schema.js';
import type { Column, Table } from '../data/table.js';
import { featureColumnsOf, labelNameOf, UNLABELLED } from './detection-table.js';

/** One problem with one JSON record; `field` is absent when the record as a whole is wrong (not an object). */
export interface RecordError {
  /** 0-based position of the record in the input array. */
  index: number;
  field?: string;
  message: string;
}

export interface RecordsTable {
  /**
   * The valid records, in input order. `lineNumbers` holds each row's 1-based record position (index + 1),
   * so output code can treat records and file lines alike; the label is `UNLABELLED`.
   */
  table: Table;
  /** Every problem found, in record order; a record with any problem is left out of `table`. */
  errors: RecordError[];
  /** 0-based input index of each table row. */
  rowIndices: Int32Array;
}

/**
 * Turns JSON objects with one field per column name (the HTTP API's input) into a detection table,
 * validated like file input: numeric fields must be finite JSON numbers within float32 range (strings such
 * as "12" are refused rather than guessed), categorical fields non-empty strings (trimmed, as the loader
 * does) of valid UTF-8. The label and ignored columns may be present, with any value, and are not read; any other field
 * is an error, so a misspelt column name is never silently dropped.
 */
export function recordsToTable(records: readonly unknown[], schema: DatasetSchema): RecordsTable {
  const features = featureColumnsOf(schema.columns);
  const names = features.map((c) => c.name);
  const numericColumn = features.map((c) => c.type === 'numeric');
  const known = new Map(schema.columns.map((c) => [c.name, c.type]));
  const lowerCase = new Map(schema.columns.map((c) => [c.name.toLowerCase(), c.name]));
  const n = records.length;
  const nf = features.length;
  // One buffer per kind rather than one per column: a table from a decoder thread is handed over buffer by
  // buffer, and every extra ArrayBuffer is one more for the garbage collector to track.
  const slot = new Int32Array(nf);
  let nNumeric = 0;
  let nCategorical = 0;
  for (let j = 0; j < nf; j++) slot[j] = numericColumn[j] ? nNumeric++ : nCategorical++;
  const numericValues = new Float32Array(nNumeric * n);
  const codeValues = new Int32Array(nCategorical * n);
  const dictionaries = features.map(() => new Map<string, number>());
  const rowIndices = new Int32Array(n);
  const errors: RecordError[] = [];
  let kept = 0;

  /** Writes a record's features into row `kept`; false at the first value that is not plainly valid. */
  const writeValid = (fields: Record<string, unknown>): boolean => {
    for (let j = 0; j < nf; j++) {
      const value = fields[names[j]];
      if (numericColumn[j]) {
        if (typeof value !== 'number' || !Number.isFinite(Math.fround(value))) return false;
        numericValues[slot[j] * n + kept] = value;
      } else {
        if (typeof value !== 'string') return false;
        const text = value.trim();
        if (text.length === 0 || text.indexOf(REPLACEMENT_CHAR) !== -1) return false;
        codeValues[slot[j] * n + kept] = codeOf(dictionaries[j], text);
      }
    }
    return true;
  };

  /** Every key is a column; when there are as many keys as features, they can only be the features. */
  const onlyColumns = (fields: Record<string, unknown>): boolean => {
    const keys = Object.keys(fields);
    if (keys.length === nf) return true;
    for (const key of keys) if (!known.has(key)) return false;
    return true;
  };

  /** The thorough check, naming every problem; it alone decides about records the fast path refused. */
  const checkRecord = (record: unknown, index: number): void => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      errors.push({
        index,
        message: `expected an object with one field per column, got ${describeValue(record)}`,
      });
      return;
    }
    const fields = record as Record<string, unknown>;
    const before = errors.length;
    for (const key of Object.keys(fields)) {
      if (known.has(key)) continue;
      const near = lowerCase.get(key.toLowerCase());
      errors.push({
        index,
        field: key,
        message:
          `unknown field, not a column of dataset "${schema.name}"` +
          (near ? `; did you mean "${near}"?` : ''),
      });
    }
    for (let j = 0; j < nf; j++) {
      const column = features[j];
      const value = Object.hasOwn(fields, column.name) ? fields[column.name] : undefined;
      const problem =
        value === undefined
          ? `missing (${column.type === 'numeric' ? 'a number' : 'a string'} is required)`
          : column.type === 'numeric'
            ? numericProblem(value)
            : categoricalProblem(value);
      if (problem !== undefined) errors.push({ index, field: column.name, message: problem });
    }
    if (errors.length === before && writeValid(fields)) rowIndices[kept++] = index;
  };

  // The fast path reads fields without Object.hasOwn: JSON.parse builds plain objects, and a value found
  // on a prototype instead (a column named like an Object.prototype member, say) fails its type test and
  // goes to the thorough check, which does test ownership.
  for (let index = 0; index < n; index++) {
    const record = records[index];
    if (
      typeof record === 'object' &&
      record !== null &&
      !Array.isArray(record) &&
      writeValid(record as Record<string, unknown>) &&
      onlyColumns(record as Record<string, unknown>)
    ) {
      rowIndices[kept++] = index;
    } else {
      checkRecord(record, index);
    }
  }

  const columns: Column[] = features.map((column, j) =>
    column.type === 'numeric'
      ? {
          kind: 'numeric',
          name: column.name,
          values: numericValues.subarray(slot[j] * n, slot[j] * n + kept),
        }
      : {
          kind: 'categorical',
          name: column.name,
          codes: codeValues.subarray(slot[j] * n, slot[j] * n + kept),
          categories: [...dictionaries[j].keys()],
        },
  );
  const lineNumbers = new Uint32Array(kept);
  for (let i = 0; i < kept; i++) lineNumbers[i] = rowIndices[i] + 1;
  const table: Table = {
    nRows: kept,
    features: columns,
    label: {
      kind: 'categorical',
      name: labelNameOf(schema),
      codes: new Int32Array(kept),
      categories: kept > 0 ? [UNLABELLED] : [],
    },
    lineNumbers,
  };
  return { table, errors, rowIndices: rowIndices.slice(0, kept) };
}

function codeOf(dictionary: Map<string, number>, text: string): number {
  let code = dictionary.get(text);
  if (code === undefined) {
    code = dictionary.size;
    dictionary.set(text, code);
  }
  return code;
}

function numericProblem(value: unknown): string | undefined {
  if (typeof value !== 'number') return `expected a number, got ${describeValue(value)}`;
  if (!Number.isFinite(value)) return `expected a finite number, got ${value}`;
  if (!Number.isFinite(Math.fround(value))) return `${value} is out of float32 range`;
  return undefined;
}

/**
 * What invalid UTF-8 in a body decodes to. A category holding it is refused as 'invalid UTF-8', as the file
 * loader refuses it (table-builder.ts): a garbled category must not become a category of its own. A
 * genuine U+FFFD is treated the same way, there too.
 */
const REPLACEMENT_CHAR = '\uFFFD';

function categoricalProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `expected a string, got ${describeValue(value)}`;
  if (value.trim().length === 0) return 'expected a non-empty string';
  if (value.indexOf(REPLACEMENT_CHAR) !== -1) return 'invalid UTF-8';
  return undefined;
}

/** `string "12"`, `null`, `array`, `boolean true`: enough to see what was sent. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
