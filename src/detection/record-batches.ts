import { REJECT_REASONS, type RejectedRow } from '../data/cleaning-report.js';
import { LineSplitter, type LineSink } from '../data/line-splitter.js';
import type { DatasetSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { splitFields } from '../data/split-fields.js';
import { TableBuilder } from '../data/table-builder.js';
import { IotIdsError, usageError } from '../errors.js';
import {
  decodeInput,
  GzipTrailingDataError,
  type ByteSource,
  type InputState,
} from '../data/decode-input.js';
import { emptyTable } from './detection-table.js';
import {
  countFields,
  describeLayouts,
  inputLayouts,
  labelSuffixField,
  type InputLayout,
} from './input-layouts.js';

export interface RecordBatch {
  /**
   * The batch's valid rows. Its label column holds `UNLABELLED` for every row (an input label is never
   * read); `lineNumbers` are 1-based lines of the whole input, a header included.
   */
  table: Table;
  /** The batch's rejected lines, in line order, with reason and field as the loader reports them. */
  rejected: RejectedRow[];
}

export interface RecordBatchOptions {
  /** Data lines (kept + rejected) per batch; blank lines and the header do not count. Default 4096. */
  batchRows?: number;
  /** Name used in error messages. Default 'stream'. */
  sourceName?: string;
  /** Whether the first non-blank line is a header naming the columns. Default: the schema's `header`. */
  header?: boolean;
}

export const DEFAULT_BATCH_ROWS = 4096;

/**
 * Reads flow records for detection as a sequence of small tables, so input of any size (a file, stdin, a
 * socket) is scored in bounded memory: one batch, plus the lines of one input chunk, at a time. Input is
 * plain or gzip (by magic bytes), a BOM and CRLF line ends are tolerated, and each field is validated by the
 * loader's own `TableBuilder`: a bad line is rejected with its line number, reason and field, and reading
 * goes on.
 *
 * The label is optional: a line may hold every column of the schema (its label field is skipped unread),
 * every column but the label (one field fewer), or only the feature columns; see `input-layouts.ts`. The
 * header, or else the first data line that parses, fixes the layout for the whole input (a damaged first
 * line is rejected, not taken as the layout).
 */
export async function* streamRecordBatches(
  input: ByteSource,
  schema: DatasetSchema,
  options: RecordBatchOptions = {},
): AsyncGenerator<RecordBatch> {
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw usageError(`batchRows must be a positive integer, got ${batchRows}`);
  }
  const file = options.sourceName ?? 'stream';
  const sink = new BatchingSink(schema, file, batchRows, options.header ?? schema.header);
  const splitter = new LineSplitter(sink);
  const state: InputState = { bytesRead: 0, gzip: false };
  const chunks = decodeInput(input, state)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await chunks.next();
        if (next.done === true) splitter.end();
        else splitter.push(next.value);
      } catch (error) {
        if (error instanceof IotIdsError) throw error;
        if (error instanceof GzipTrailingDataError) {
          throw new IotIdsError(error.message, { location: { file }, cause: error });
        }
        const rows = sink.rowsRead;
        const what = state.gzip
          ? `gzip data is truncated or corrupt (${errorText(error)})`
          : `read failed (${errorText(error)})`;
        throw new IotIdsError(
          `${what} after ${rows} data row${rows === 1 ? '' : 's'} (near line ${splitter.lineNumber})`,
          { location: { file }, cause: error },
        );
      }
      if (next.done === true) sink.flush();
      for (let batch = sink.ready.shift(); batch !== undefined; batch = sink.ready.shift()) yield batch;
      if (next.done === true) return;
    }
  } finally {
    // A consumer that stops early (or an error) must not leave the input open: this closes the file or
    // stream behind the decoder.
    await chunks.return(undefined);
  }
}

/**
 * Receives lines from the splitter, settles the header and layout, and hands data lines to one
 * `TableBuilder` per batch (a fresh builder keeps its memory, duplicate-key set included, per batch).
 * Lines whose field count does not fit are rejected here, so the count in the message is the input's.
 */
class BatchingSink implements LineSink {
  /** Finished batches not yet handed out. */
  readonly ready: RecordBatch[] = [];
  rowsRead = 0;
  private readonly layouts: InputLayout[];
  private readonly delimiter: string;
  private readonly suffix: string;
  private layout: InputLayout | undefined;
  private expectHeader: boolean;
  private builder: TableBuilder | undefined;
  private ownRejected: RejectedRow[] = [];

  constructor(
    private readonly schema: DatasetSchema,
    private readonly file: string,
    private readonly batchRows: number,
    header: boolean,
  ) {
    this.layouts = inputLayouts(schema);
    this.delimiter = schema.delimiter || ',';
    this.suffix = labelSuffixField(schema);
    this.expectHeader = header;
  }

  line(raw: string, lineNumber: number): void {
    const text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim().length === 0)) return;
    if (this.expectHeader) {
      this.expectHeader = false;
      this.layout = this.layoutOfHeader(text, lineNumber);
      return;
    }
    this.rowsRead++;
    const nFields = countFields(text, this.delimiter);
    if (this.layout === undefined && nFields !== undefined) {
      const candidate = this.layouts.find((l) => l.names.length === nFields);
      if (candidate !== undefined) {
        // A damaged line can have another layout's field count: the layout is fixed only by a line that
        // parses under it, and lines before that are rejected for what is wrong with them.
        const probe = new TableBuilder(candidate.builderSchema, { file: this.file, maxRejectedExamples: 1 });
        probe.line(text + this.suffix, lineNumber);
        if (probe.report.rowsKept === 0) {
          this.ownRejected.push(...probe.report.build().rejectedExamples);
          this.flushIfFull();
          return;
        }
        this.layout = candidate;
      }
    }
    const layout = this.layout;
    if (nFields === undefined && layout === undefined) {
      this.reject(lineNumber, REJECT_REASONS.malformedQuotes);
    } else if (layout === undefined) {
      const expected = describeLayouts(this.layouts);
      this.reject(lineNumber, REJECT_REASONS.wrongColumnCount, `${nFields} fields, expected ${expected}`);
    } else if (nFields !== undefined && nFields !== layout.names.length) {
      this.reject(
        lineNumber,
        REJECT_REASONS.wrongColumnCount,
        `${nFields} fields, expected ${layout.names.length}`,
      );
    } else {
      this.builder ??= new TableBuilder(layout.builderSchema, {
        file: this.file,
        maxRejectedExamples: this.batchRows,
      });
      this.builder.line(text + this.suffix, lineNumber);
    }
    this.flushIfFull();
  }

  lineTooLong(lineNumber: number, length: number): void {
    this.rowsRead++;
    this.reject(lineNumber, REJECT_REASONS.lineTooLong, `${length} characters`);
    this.flushIfFull();
  }

  /** Moves the rows gathered so far, if any, into a batch. */
  flush(): void {
    const builder = this.builder;
    const rejected = this.ownRejected;
    this.builder = undefined;
    this.ownRejected = [];
    let table = emptyTable(this.schema);
    if (builder !== undefined && builder.report.rowsRead > 0) {
      if (builder.report.rowsKept > 0) {
        const built = builder.finish();
        table = built.table;
        rejected.push(...built.report.rejectedExamples);
      } else {
        rejected.push(...builder.report.build().rejectedExamples);
      }
    }
    if (table.nRows === 0 && rejected.length === 0) return;
    rejected.sort((a, b) => a.line - b.line);
    this.ready.push({ table, rejected });
  }

  private flushIfFull(): void {
    const size = (this.builder?.report.rowsRead ?? 0) + this.ownRejected.length;
    if (size >= this.batchRows) this.flush();
  }

  private reject(line: number, reason: string, detail?: string): void {
    this.ownRejected.push(detail === undefined ? { line, reason } : { line, reason, detail });
  }

  private layoutOfHeader(text: string, lineNumber: number): InputLayout {
    const fields = splitFields(text, this.delimiter)?.map((f) => f.trim());
    const location = { file: this.file, line: lineNumber };
    const layout = this.layouts.find((l) => l.names.length === fields?.length);
    if (fields === undefined || layout === undefined) {
      throw new IotIdsError(
        `header has ${fields?.length ?? 'unparseable'} columns, schema "${this.schema.name}" expects ` +
          describeLayouts(this.layouts),
        { location },
      );
    }
    const j = fields.findIndex((name, k) => name !== layout.names[k]);
    if (j !== -1) {
      throw new IotIdsError(
        `header column ${j + 1} is "${fields[j]}", schema "${this.schema.name}" expects "${layout.names[j]}"`,
        { location: { ...location, field: layout.names[j] } },
      );
    }
    return layout;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
