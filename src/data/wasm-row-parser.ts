import { ensureWasmMemory, instantiateWasm } from '../util/wasm-module.js';
import type { ByteLayout, ParsedRows } from './table-builder.js';
import { wasmBase64 } from './wasm/parse-rows.wasm.js';

interface Kernel {
  memory: WebAssembly.Memory;
  heap_base(): number;
  config(): number;
  dict_insert(dictionary: number, bytes: number, length: number, code: number): number;
  parse(input: number, pos: number, end: number, line: number): number;
}

// Word offsets of the kernel's Config struct (wasm/parse-rows.c).
const C = {
  nColumns: 0,
  delimiter: 1,
  suffixLength: 2,
  suffix: 3,
  labelColumn: 4,
  kinds: 5,
  slots: 6,
  tables: 7,
  tableSlots: 8,
  counts: 9,
  arena: 10,
  arenaCap: 11,
  arenaUsed: 12,
  outValues: 13,
  outCodes: 14,
  outKeys: 15,
  outLines: 16,
  batch: 17,
  maxLineBytes: 18,
  status: 19,
  stop: 20,
  stopEnd: 21,
  line: 22,
} as const;

/** Rows per batch the kernel fills before the table copies them (column by column). */
const BATCH_ROWS = 4096;
/** Slots of each category hash table; a dictionary holds at most half as many categories in the kernel. */
const TABLE_SLOTS = 4096;
const ARENA_BYTES = 256 * 1024;

/** Why `parse` stopped. */
export const PARSE_DONE = 0;
export const PARSE_LINE_FOR_CALLER = 1;
export const PARSE_BATCH_FULL = 2;

/**
 * The byte kernel (wasm/parse-rows.c) and its memory: the schema layout, one hash table of known categories
 * per dictionary, a batch of parsed rows and, last, the input region the caller copies bytes into.
 */
export class WasmRowParser {
  private readonly kernel: Kernel;
  private readonly configAt: number;
  private readonly inputAt: number;
  private readonly layout: ByteLayout;
  private words: Int32Array;

  constructor(layout: ByteLayout, maxLineBytes: number) {
    this.layout = layout;
    this.kernel = instantiateWasm(wasmBase64, 'parse-rows').exports as unknown as Kernel;
    this.configAt = this.kernel.config();
    const n = layout.kinds.length;
    const suffix = Buffer.from(layout.labelSuffix, 'utf8');
    let at = align(this.kernel.heap_base(), 16);
    const take = (bytes: number): number => {
      const start = at;
      at = align(at + bytes, 16);
      return start;
    };
    const kinds = take(n);
    const slots = take(4 * n);
    const suffixAt = take(suffix.length);
    const counts = take(4 * layout.dictionaryCount);
    const tables = take(16 * TABLE_SLOTS * layout.dictionaryCount);
    const arena = take(ARENA_BYTES);
    const outValues = take(4 * BATCH_ROWS * layout.numericCount);
    const outCodes = take(4 * BATCH_ROWS * layout.dictionaryCount);
    const outKeys = take(8 * BATCH_ROWS);
    const outLines = take(4 * BATCH_ROWS);
    this.inputAt = at;
    const buffer = ensureWasmMemory(this.kernel.memory, at + 256 * 1024);
    new Uint8Array(buffer, kinds, n).set(layout.kinds);
    new Int32Array(buffer, slots, n).set(layout.slots);
    new Uint8Array(buffer, suffixAt, suffix.length).set(suffix);
    new Uint8Array(
      buffer,
      counts,
      4 * layout.dictionaryCount + 16 * TABLE_SLOTS * layout.dictionaryCount,
    ).fill(0);
    this.words = new Int32Array(buffer, this.configAt, 24);
    const w = this.words;
    w[C.nColumns] = n;
    w[C.delimiter] = layout.delimiter;
    w[C.suffixLength] = suffix.length;
    w[C.suffix] = suffixAt;
    w[C.labelColumn] = layout.labelColumn;
    w[C.kinds] = kinds;
    w[C.slots] = slots;
    w[C.tables] = tables;
    w[C.tableSlots] = TABLE_SLOTS;
    w[C.counts] = counts;
    w[C.arena] = arena;
    w[C.arenaCap] = ARENA_BYTES;
    w[C.arenaUsed] = 0;
    w[C.outValues] = outValues;
    w[C.outCodes] = outCodes;
    w[C.outKeys] = outKeys;
    w[C.outLines] = outLines;
    w[C.batch] = BATCH_ROWS;
    w[C.maxLineBytes] = maxLineBytes;
  }

  /** The input region, at least `bytes` long (a view made now: growing the memory detaches older ones). */
  input(bytes: number): Uint8Array {
    const buffer = ensureWasmMemory(this.kernel.memory, this.inputAt + bytes);
    return new Uint8Array(buffer, this.inputAt, buffer.byteLength - this.inputAt);
  }

  /**
   * Parses the complete lines of input[pos, end) (input[end - 1] is '\n'), numbering them from `line`,
   * until a line the kernel leaves to the caller or a full batch. Returns the rows now in `rows()`.
   */
  parse(pos: number, end: number, line: number): number {
    return this.kernel.parse(this.inputAt, pos, end, line);
  }

  /** Why the last parse stopped: PARSE_DONE, PARSE_LINE_FOR_CALLER or PARSE_BATCH_FULL. */
  get status(): number {
    return this.config()[C.status];
  }

  /** Where the last parse stopped (for PARSE_LINE_FOR_CALLER: the start of that line). */
  get stop(): number {
    return this.config()[C.stop];
  }

  /** For PARSE_LINE_FOR_CALLER: the offset of that line's '\n'. */
  get stopEnd(): number {
    return this.config()[C.stopEnd];
  }

  /** The number of the line at `stop`. */
  get line(): number {
    return this.config()[C.line];
  }

  /** The batch the last parse filled. */
  rows(): ParsedRows {
    const buffer = this.kernel.memory.buffer;
    const w = this.config();
    const layout = this.layout;
    return {
      batch: BATCH_ROWS,
      values: new Float32Array(buffer, w[C.outValues], BATCH_ROWS * layout.numericCount),
      codes: new Int32Array(buffer, w[C.outCodes], BATCH_ROWS * layout.dictionaryCount),
      keys: new Float64Array(buffer, w[C.outKeys], BATCH_ROWS),
      lines: new Uint32Array(buffer, w[C.outLines], BATCH_ROWS),
    };
  }

  /**
   * Teaches the kernel a category the table builder has coded. Categories with a byte outside ASCII are
   * not stored (the kernel leaves every non-ASCII line to the builder anyway), nor any once the table or
   * the arena is full: lines with them keep going to the builder, which is slower but as correct.
   */
  addCategory(dictionary: number, value: string, code: number): void {
    for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0x80) return;
    const w = this.config();
    const free = w[C.arenaCap] - w[C.arenaUsed];
    if (value.length > free) return;
    const at = w[C.arena] + w[C.arenaUsed];
    new Uint8Array(this.kernel.memory.buffer, at, value.length).set(Buffer.from(value, 'latin1'));
    this.kernel.dict_insert(dictionary, at, value.length, code);
  }

  private config(): Int32Array {
    if (this.words.buffer !== this.kernel.memory.buffer)
      this.words = new Int32Array(this.kernel.memory.buffer, this.configAt, 24);
    return this.words;
  }
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
