import { IotIdsError } from '../errors.js';
import {
  CleaningReportBuilder,
  describeRejectedRow,
  REJECT_REASONS,
  type CleaningReport,
  type RejectedRow,
} from './cleaning-report.js';
import type { LineSink } from './line-splitter.js';
import { parsePlainDecimal } from './fast-number.js';
import { RowKeyHasher } from './row-key.js';
import { RowKeySet } from './row-key-set.js';
import { labelColumnOf, type DatasetSchema } from './schema.js';
import { parseDateAndTime, parseTimestamp } from './timestamp.js';
import type { CategoricalColumn, Column, Table } from './table.js';
import { splitFields } from './split-fields.js';

export interface TableBuilderOptions {
  /** Name used in messages and in the report. */
  file: string;
  /** Throw on the first rejected row instead of counting it. Default false. */
  strict?: boolean;
  /** How many rejected rows the report lists. Default 100. */
  maxRejectedExamples?: number;
}

/**
 * What the byte kernel (wasm-row-parser.ts) needs to know of the columns: `kinds` per column (0 ignored,
 * 1 numeric, 2 categorical or label), `slots` per column (numeric slot, or dictionary index: categorical
 * columns in order, then the label last).
 */
export interface ByteLayout {
  kinds: Uint8Array;
  slots: Int32Array;
  labelColumn: number;
  numericCount: number;
  dictionaryCount: number;
  /** The delimiter's one ASCII byte. */
  delimiter: number;
  labelSuffix: string;
}

/** Rows parsed by the byte kernel, column-major in batches of `batch` rows (see appendParsed). */
export interface ParsedRows {
  batch: number;
  /** numericCount × batch values. */
  values: Float32Array;
  /** dictionaryCount × batch codes. */
  codes: Int32Array;
  keys: Float64Array;
  lines: Uint32Array;
}

/** Delimiters the byte kernel cannot take: part of a number, a quote, or a line end. */
const BYTE_PATH_UNSAFE_DELIMITERS = '-.0123456789"\r\n';

export interface BuiltTable {
  table: Table;
  report: CleaningReport;
  rowKeys: Float64Array;
}

const IGNORE = 0;
const NUMERIC = 1;
const CATEGORICAL = 2;
const LABEL = 3;

// Extra roles a column can play besides its type: its raw text is kept for the row's time or group.
const NO_ROLE = 0;
const TIMESTAMP_ROLE = 1;
const DATE_ROLE = 2;
const TIME_ROLE = 3;
const GROUP_ROLE = 4;

const INITIAL_CAPACITY = 4096;
const REPLACEMENT_CHAR = '\uFFFD';
/** Spellings of NaN and infinity seen in exported flow files (Number() only knows 'NaN' and 'Infinity'). */
const NAN_OR_INF_TEXT = /^\s*[+-]?(nan|inf|infinity)\s*$/i;
/**
 * What a numeric field may hold: a decimal number (`-12`, `3.5`, `.5`, `1e-3`) with ASCII spaces or tabs
 * around. `Number()` also reads `0x1F`, `0o17`, `0b101`, `+5` and padding of any Unicode space; such fields
 * are rejected as 'non-decimal number' rather than scored as something the exporter did not mean.
 */
const DECIMAL_TEXT = /^[ \t]*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;

/** A string category dictionary; values are copied on insert so they do not pin the chunk they came from. */
class Dictionary {
  readonly categories: string[] = [];
  private readonly codes = new Map<string, number>();

  codeOf(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.categories.length;
      const detached = Buffer.from(value, 'utf8').toString('utf8');
      this.codes.set(detached, code);
      this.categories.push(detached);
    }
    return code;
  }
}

/**
 * Turns text lines into typed-array columns and a cleaning report. Every field is validated before anything
 * is written, so a rejected row leaves no trace (not even a new category) in the table.
 *
 * Bytes that are not valid UTF-8 arrive as U+FFFD; a categorical or label field containing one is rejected
 * as 'invalid UTF-8' (a garbled category would otherwise become a class of its own), and in a numeric field
 * it is a 'non-numeric value'. A genuine U+FFFD in the source is treated the same way.
 *
 * Lines are split on '\n' before fields are, so a quoted field may contain the delimiter but not a line
 * break: such a record is rejected (malformed quotes / wrong column count), never merged silently.
 * With `header: true` the first non-blank line must name the schema's columns in order.
 */
export class TableBuilder implements LineSink {
  readonly report: CleaningReportBuilder;
  private readonly kinds: Uint8Array;
  private readonly slots: Int32Array;
  private readonly names: string[];
  private readonly delimiter: string;
  private readonly labelSuffix: string;
  private readonly strict: boolean;
  private expectHeader: boolean;

  private readonly numericStage: Float64Array;
  private readonly categoricalStage: string[];
  private labelStage = '';
  private rowProblem: RejectedRow | undefined;
  private readonly emptyColumns: Int32Array;
  private emptyCount = 0;
  private rowMayHaveInvalidUtf8 = false;
  /** Whether quote-free lines can take the in-place scan (one-character delimiters; others use split). */
  private readonly canScan: boolean;

  private capacity = INITIAL_CAPACITY;
  private nRows = 0;
  private numeric: Float32Array[];
  private categoricalCodes: Int32Array[];
  private readonly dictionaries: Dictionary[];
  private labelCodes = new Int32Array(INITIAL_CAPACITY);
  private readonly labelDictionary = new Dictionary();
  private lineNumbers = new Uint32Array(INITIAL_CAPACITY);
  private rowKeys = new Float64Array(INITIAL_CAPACITY);
  private readonly seenKeys = new RowKeySet();
  private readonly hasher = new RowKeyHasher();
  /** Role per column (NO_ROLE for most); `hasRoles` keeps the per-field check off the common path. */
  private readonly roleOf: Int8Array;
  private readonly columnOfRole = new Int32Array(5).fill(-1);
  private readonly hasRoles: boolean;
  private readonly roleStage: string[] = ['', '', '', '', ''];
  private timestamps: Float64Array | undefined;
  private timestampStage = 0;
  private groupCodes: Int32Array | undefined;
  private readonly groupDictionary = new Dictionary();

  constructor(
    private readonly schema: DatasetSchema,
    private readonly options: TableBuilderOptions,
  ) {
    try {
      labelColumnOf(schema);
    } catch (error) {
      throw new IotIdsError(error instanceof Error ? error.message : String(error), {
        kind: 'usage',
        cause: error,
      });
    }
    this.report = new CleaningReportBuilder(options.file, options.maxRejectedExamples ?? 100);
    this.strict = options.strict ?? false;
    this.delimiter = schema.delimiter || ',';
    this.canScan = this.delimiter.length === 1;
    this.labelSuffix = schema.labelSuffix ?? '';
    this.expectHeader = schema.header;
    const n = schema.columns.length;
    this.kinds = new Uint8Array(n);
    this.emptyColumns = new Int32Array(n);
    this.slots = new Int32Array(n).fill(-1);
    this.names = schema.columns.map((c) => c.name);
    let numericCount = 0;
    let categoricalCount = 0;
    schema.columns.forEach((column, j) => {
      if (column.type === 'numeric') {
        this.kinds[j] = NUMERIC;
        this.slots[j] = numericCount++;
      } else if (column.type === 'categorical') {
        this.kinds[j] = CATEGORICAL;
        this.slots[j] = categoricalCount++;
      } else if (column.type === 'label') {
        this.kinds[j] = LABEL;
      } else {
        this.kinds[j] = IGNORE;
      }
    });
    this.numericStage = new Float64Array(numericCount);
    this.categoricalStage = new Array<string>(categoricalCount).fill('');
    this.numeric = Array.from({ length: numericCount }, () => new Float32Array(INITIAL_CAPACITY));
    this.categoricalCodes = Array.from({ length: categoricalCount }, () => new Int32Array(INITIAL_CAPACITY));
    this.dictionaries = Array.from({ length: categoricalCount }, () => new Dictionary());
    this.roleOf = new Int8Array(n);
    const assign = (role: number, name: string | undefined, field: string): void => {
      if (name === undefined) return;
      const j = this.names.indexOf(name);
      if (j === -1) {
        throw new IotIdsError(
          `schema "${schema.name}": ${field} names column "${name}", which is not among its columns`,
          { kind: 'usage' },
        );
      }
      this.roleOf[j] = role;
      this.columnOfRole[role] = j;
    };
    assign(TIMESTAMP_ROLE, schema.time?.timestamp, 'time.timestamp');
    assign(DATE_ROLE, schema.time?.date, 'time.date');
    assign(TIME_ROLE, schema.time?.time, 'time.time');
    assign(GROUP_ROLE, schema.groupColumn, 'groupColumn');
    this.hasRoles = this.roleOf.some((r) => r !== NO_ROLE);
    if (schema.time) this.timestamps = new Float64Array(INITIAL_CAPACITY);
    if (schema.groupColumn !== undefined) this.groupCodes = new Int32Array(INITIAL_CAPACITY);
  }

  /** Whether the next non-blank line is the header (the byte path hands such a line over as text). */
  get expectingHeader(): boolean {
    return this.expectHeader;
  }

  /**
   * The layout for the byte kernel, or undefined when this schema must go through `line` only: a time or
   * group column, or a delimiter that is not one plain ASCII byte.
   */
  byteLayout(): ByteLayout | undefined {
    const code = this.delimiter.charCodeAt(0);
    if (
      this.hasRoles ||
      !this.canScan ||
      code >= 0x80 ||
      BYTE_PATH_UNSAFE_DELIMITERS.includes(this.delimiter)
    )
      return undefined;
    const dictionaryCount = this.dictionaries.length + 1;
    const kinds = new Uint8Array(this.kinds.length);
    const slots = new Int32Array(this.kinds.length);
    let labelColumn = -1;
    this.kinds.forEach((kind, j) => {
      kinds[j] = kind === NUMERIC ? 1 : kind === IGNORE ? 0 : 2;
      slots[j] = kind === LABEL ? dictionaryCount - 1 : Math.max(this.slots[j], 0);
      if (kind === LABEL) labelColumn = j;
    });
    return {
      kinds,
      slots,
      labelColumn,
      numericCount: this.numeric.length,
      dictionaryCount,
      delimiter: code,
      labelSuffix: this.labelSuffix,
    };
  }

  /** Categories of dictionary `d` of the byte layout, in code order. */
  categoriesOf(d: number): readonly string[] {
    return d === this.dictionaries.length ? this.labelDictionary.categories : this.dictionaries[d].categories;
  }

  /**
   * Appends `count` rows the byte kernel parsed: lines that `line` would have kept with exactly these
   * values, codes and keys (it hands every other line to `line`).
   */
  appendParsed(rows: ParsedRows, count: number): void {
    if (this.nRows + count > this.capacity) this.grow(Math.max(2 * this.capacity, this.nRows + count));
    const at = this.nRows;
    const batch = rows.batch;
    const copy = (to: Float32Array | Int32Array, from: Float32Array | Int32Array, slot: number): void =>
      to.set(from.subarray(slot * batch, slot * batch + count), at);
    this.numeric.forEach((values, slot) => copy(values, rows.values, slot));
    this.categoricalCodes.forEach((codes, slot) => copy(codes, rows.codes, slot));
    copy(this.labelCodes, rows.codes, this.categoricalCodes.length);
    this.lineNumbers.set(rows.lines.subarray(0, count), at);
    this.rowKeys.set(rows.keys.subarray(0, count), at);
    const keys = rows.keys;
    for (let r = 0; r < count; r++) if (!this.seenKeys.add(keys[r])) this.report.duplicateRows++;
    this.nRows += count;
    this.report.kept(count);
  }

  line(raw: string, lineNumber: number): void {
    const text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim().length === 0)) return;
    if (this.expectHeader) {
      this.expectHeader = false;
      this.checkHeader(text, lineNumber);
      return;
    }
    this.row(text, lineNumber);
  }

  lineTooLong(lineNumber: number, length: number): void {
    this.reject({ line: lineNumber, reason: REJECT_REASONS.lineTooLong, detail: `${length} characters` });
  }

  /** Trimmed columns, the report and the row keys; throws when no row could be kept. */
  finish(): BuiltTable {
    const report = this.report.build();
    if (report.rowsRead === 0) {
      throw new IotIdsError(`no data rows${this.schema.header ? ' after the header' : ''}`, {
        location: { file: this.options.file },
      });
    }
    if (report.rowsKept === 0) {
      const reasons = Object.entries(report.rejectedByReason)
        .map(([reason, count]) => `${reason} ${count}`)
        .join(', ');
      const first = report.rejectedExamples[0];
      throw new IotIdsError(
        `no usable rows: all ${report.rowsRead} data rows were rejected (${reasons})` +
          (first ? `; first: ${describeRejectedRow(first)}` : ''),
        { location: { file: this.options.file } },
      );
    }
    const n = this.nRows;
    const features: Column[] = [];
    this.schema.columns.forEach((column, j) => {
      const slot = this.slots[j];
      if (this.kinds[j] === NUMERIC) {
        features.push({ kind: 'numeric', name: column.name, values: trim(this.numeric[slot], n) });
      } else if (this.kinds[j] === CATEGORICAL) {
        features.push({
          kind: 'categorical',
          name: column.name,
          codes: trim(this.categoricalCodes[slot], n),
          categories: this.dictionaries[slot].categories,
        });
      }
    });
    const label: CategoricalColumn = {
      kind: 'categorical',
      name: labelColumnOf(this.schema).name,
      codes: trim(this.labelCodes, n),
      categories: this.labelDictionary.categories,
    };
    const groups: CategoricalColumn | undefined = this.groupCodes && {
      kind: 'categorical',
      name: this.schema.groupColumn ?? '',
      codes: trim(this.groupCodes, n),
      categories: this.groupDictionary.categories,
    };
    return {
      table: {
        nRows: n,
        features,
        label,
        lineNumbers: trim(this.lineNumbers, n),
        ...(this.timestamps ? { timestamps: trim(this.timestamps, n) } : {}),
        ...(groups ? { groups } : {}),
      },
      report,
      rowKeys: trim(this.rowKeys, n),
    };
  }

  private checkHeader(text: string, lineNumber: number): void {
    const fields = this.split(text);
    const file = this.options.file;
    const expected = this.schema.columns.length;
    if (fields === undefined || fields.length !== expected) {
      throw new IotIdsError(
        `header has ${fields?.length ?? 'unparseable'} columns, schema "${this.schema.name}" expects ${expected}`,
        { location: { file, line: lineNumber } },
      );
    }
    fields.forEach((found, j) => {
      if (found.trim() !== this.names[j]) {
        throw new IotIdsError(
          `header column ${j + 1} is "${found.trim()}", schema "${this.schema.name}" expects "${this.names[j]}"`,
          { location: { file, line: lineNumber, field: this.names[j] } },
        );
      }
    });
  }

  /** Fields of a header, a quoted line (papaparse) or a line with a longer delimiter; undefined for bad quotes. */
  private split(text: string): string[] | undefined {
    return splitFields(text, this.delimiter);
  }

  private row(text: string, lineNumber: number): void {
    this.rowProblem = undefined;
    this.emptyCount = 0;
    this.rowMayHaveInvalidUtf8 = text.indexOf(REPLACEMENT_CHAR) !== -1;
    const nColumns = this.kinds.length;
    let nFields: number;
    if (this.canScan && text.indexOf('"') === -1) {
      nFields = this.scanFields(text, lineNumber);
    } else {
      const fields = this.split(text);
      if (fields === undefined) {
        this.reject({ line: lineNumber, reason: REJECT_REASONS.malformedQuotes });
        return;
      }
      nFields = fields.length;
      if (nFields === nColumns) {
        for (let j = 0; j < nColumns; j++) {
          if (this.kinds[j] !== IGNORE) this.field(j, fields[j], lineNumber);
          if (this.hasRoles && this.roleOf[j] !== NO_ROLE) this.roleStage[this.roleOf[j]] = fields[j];
        }
      }
    }
    if (nFields !== nColumns) {
      this.reject({
        line: lineNumber,
        reason: REJECT_REASONS.wrongColumnCount,
        detail: `${nFields} fields, expected ${nColumns}`,
      });
      return;
    }
    if (this.hasRoles) this.roleFields(lineNumber);
    for (let e = 0; e < this.emptyCount; e++) this.report.missing(this.names[this.emptyColumns[e]]);
    if (this.rowProblem !== undefined) this.reject(this.rowProblem);
    else this.commit(lineNumber);
  }

  /**
   * The fast path for a quote-free line with a one-character delimiter: walks the line once, parsing plain
   * decimals in place (see fast-number.ts) and slicing only the fields that need a string. Returns the
   * number of fields; fields beyond the schema's are only counted.
   */
  private scanFields(text: string, lineNumber: number): number {
    const nColumns = this.kinds.length;
    const delimiter = this.delimiter;
    let start = 0;
    let j = 0;
    for (;;) {
      let end = text.indexOf(delimiter, start);
      if (end === -1) end = text.length;
      if (j < nColumns) {
        const kind = this.kinds[j];
        if (kind === NUMERIC) {
          const value = parsePlainDecimal(text, start, end);
          if (value === value) this.numericStage[this.slots[j]] = value;
          else this.field(j, text.slice(start, end), lineNumber);
        } else if (kind !== IGNORE) {
          this.field(j, text.slice(start, end), lineNumber);
        }
        if (this.hasRoles && this.roleOf[j] !== NO_ROLE)
          this.roleStage[this.roleOf[j]] = text.slice(start, end);
      }
      j++;
      if (end === text.length) return j;
      start = end + 1;
    }
  }

  /** Validates one field into the staging area, noting the row's first problem and every empty field. */
  private field(j: number, raw: string, lineNumber: number): void {
    const kind = this.kinds[j];
    if (kind === NUMERIC) {
      const value = Number(raw);
      this.numericStage[this.slots[j]] = value;
      if (value === 0 && raw.trim().length === 0) {
        this.emptyColumns[this.emptyCount++] = j;
        this.rowProblem ??= this.problem(lineNumber, REJECT_REASONS.empty, j);
      } else if (this.rowProblem === undefined && !Number.isFinite(value)) {
        const reason =
          value === value || NAN_OR_INF_TEXT.test(raw) ? REJECT_REASONS.nanOrInf : REJECT_REASONS.nonNumeric;
        this.rowProblem = this.problem(lineNumber, reason, j, raw);
      } else if (this.rowProblem === undefined && !DECIMAL_TEXT.test(raw)) {
        this.rowProblem = this.problem(lineNumber, REJECT_REASONS.nonDecimal, j, raw);
      } else if (this.rowProblem === undefined && !Number.isFinite(Math.fround(value))) {
        this.rowProblem = this.problem(lineNumber, REJECT_REASONS.outOfRange, j, raw);
      }
      return;
    }
    let value = raw.trim();
    if (kind === LABEL && this.labelSuffix && value.endsWith(this.labelSuffix)) {
      value = value.slice(0, value.length - this.labelSuffix.length);
    }
    if (value.length === 0) {
      this.emptyColumns[this.emptyCount++] = j;
      this.rowProblem ??= this.problem(lineNumber, REJECT_REASONS.empty, j);
    } else if (
      this.rowMayHaveInvalidUtf8 &&
      this.rowProblem === undefined &&
      value.indexOf(REPLACEMENT_CHAR) !== -1
    ) {
      this.rowProblem = this.problem(lineNumber, REJECT_REASONS.invalidUtf8, j, value);
    }
    if (kind === LABEL) this.labelStage = value;
    else this.categoricalStage[this.slots[j]] = value;
  }

  /** The row's time and group from the raw text of their columns; a bad one rejects the row. */
  private roleFields(lineNumber: number): void {
    if (this.timestamps) {
      const stage = this.roleStage;
      const seconds =
        this.columnOfRole[TIMESTAMP_ROLE] !== -1
          ? parseTimestamp(stage[TIMESTAMP_ROLE])
          : parseDateAndTime(
              stage[DATE_ROLE],
              this.columnOfRole[TIME_ROLE] === -1 ? undefined : stage[TIME_ROLE],
            );
      this.timestampStage = seconds;
      if (Number.isNaN(seconds) && this.rowProblem === undefined) {
        const role =
          this.columnOfRole[TIMESTAMP_ROLE] !== -1
            ? TIMESTAMP_ROLE
            : Number.isNaN(parseDateAndTime(stage[DATE_ROLE]))
              ? DATE_ROLE
              : TIME_ROLE;
        this.rowProblem = this.problem(
          lineNumber,
          REJECT_REASONS.invalidTime,
          this.columnOfRole[role],
          stage[role],
        );
      }
    }
    if (this.groupCodes && this.roleStage[GROUP_ROLE].trim().length === 0 && this.rowProblem === undefined) {
      this.rowProblem = this.problem(lineNumber, REJECT_REASONS.empty, this.columnOfRole[GROUP_ROLE]);
    }
  }

  private problem(line: number, reason: string, column: number, value?: string): RejectedRow {
    const row: RejectedRow = { line, reason, field: this.names[column] };
    if (value !== undefined)
      row.detail = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    return row;
  }

  private reject(row: RejectedRow): void {
    if (this.strict) {
      const detail = row.detail === undefined ? '' : ` ${row.detail}`;
      throw new IotIdsError(`rejected row (strict mode): ${row.reason}${detail}`, {
        location: { file: this.options.file, line: row.line, field: row.field },
      });
    }
    this.report.rejected(row);
  }

  private commit(lineNumber: number): void {
    if (this.nRows === this.capacity) this.grow();
    const i = this.nRows++;
    const hasher = this.hasher;
    hasher.reset();
    for (let j = 0; j < this.kinds.length; j++) {
      const kind = this.kinds[j];
      if (kind === NUMERIC) {
        const value = this.numericStage[this.slots[j]];
        this.numeric[this.slots[j]][i] = value;
        hasher.addNumber(value);
      } else if (kind === CATEGORICAL) {
        const slot = this.slots[j];
        const value = this.categoricalStage[slot];
        this.categoricalCodes[slot][i] = this.dictionaries[slot].codeOf(value);
        hasher.addString(value);
      } else if (kind === LABEL) {
        this.labelCodes[i] = this.labelDictionary.codeOf(this.labelStage);
        hasher.addString(this.labelStage);
      }
    }
    this.lineNumbers[i] = lineNumber;
    if (this.timestamps) this.timestamps[i] = this.timestampStage;
    if (this.groupCodes) this.groupCodes[i] = this.groupDictionary.codeOf(this.roleStage[GROUP_ROLE].trim());
    const key = hasher.digest();
    this.rowKeys[i] = key;
    if (!this.seenKeys.add(key)) this.report.duplicateRows++;
    this.report.kept();
  }

  /**
   * Makes room for `rows` rows in all (a hint such as the loader's estimate from the file size: growing by
   * doubling copies every column several times, which costs more than parsing on a large file).
   */
  reserve(rows: number): void {
    if (rows > this.capacity) this.grow(rows);
  }

  private grow(capacity = 2 * this.capacity): void {
    this.capacity = capacity;
    this.numeric = this.numeric.map((values) => enlarge(values, new Float32Array(capacity)));
    this.categoricalCodes = this.categoricalCodes.map((codes) => enlarge(codes, new Int32Array(capacity)));
    this.labelCodes = enlarge(this.labelCodes, new Int32Array(capacity));
    this.lineNumbers = enlarge(this.lineNumbers, new Uint32Array(capacity));
    this.rowKeys = enlarge(this.rowKeys, new Float64Array(capacity));
    if (this.timestamps) this.timestamps = enlarge(this.timestamps, new Float64Array(capacity));
    if (this.groupCodes) this.groupCodes = enlarge(this.groupCodes, new Int32Array(capacity));
  }
}

function enlarge<T extends Float32Array | Float64Array | Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function trim<T extends Float32Array | Float64Array | Int32Array | Uint32Array>(values: T, n: number): T {
  return (values.length === n ? values : values.slice(0, n)) as T;
}
