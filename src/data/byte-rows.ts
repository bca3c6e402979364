import { StringDecoder } from 'node:string_decoder';
import { MAX_LINE_CHARS } from './line-splitter.js';
import type { TableBuilder } from './table-builder.js';
import { PARSE_BATCH_FULL, PARSE_DONE, PARSE_LINE_FOR_CALLER, WasmRowParser } from './wasm-row-parser.js';

/**
 * A line of at most MAX_LINE_CHARS UTF-16 units has at most 3 bytes per unit (a 3-byte character, or an
 * invalid sequence of up to 3 bytes that decodes to one U+FFFD), so an unfinished line longer than this in
 * bytes is too long whatever follows: from there only its length is counted.
 */
const MAX_HELD_BYTES = 3 * MAX_LINE_CHARS + 3;

/** The largest piece of input copied into the kernel's memory at once. */
const MAX_PIECE_BYTES = 1 << 20;

/** The largest table reserved from a size estimate (beyond it, the table grows as it fills). */
const MAX_RESERVED_ROWS = 50_000_000;

/**
 * The loader's byte path: cuts raw UTF-8 chunks into lines and lets the byte kernel (wasm-row-parser.ts)
 * parse the common lines straight into the table, without making strings. Every line the kernel leaves
 * (header, blank-looking, quoted, non-ASCII, empty or odd fields, unknown categories, anything to reject)
 * is decoded and given to `TableBuilder.line`, exactly as the text path (decodeInput + LineSplitter) would
 * give it: same text, same line number; a line over MAX_LINE_CHARS units goes to `lineTooLong` with the same
 * length. So the table, report and row keys are the text path's, bit for bit (byte-rows.test.ts).
 *
 * Memory stays bounded by the chunk size plus one unfinished line (MAX_HELD_BYTES at most).
 */
export class ByteRowReader {
  private readonly parser: WasmRowParser;
  /** Bytes of an unfinished line at the start of the kernel's input region. */
  private held = 0;
  private line = 1;
  private bomChecked = false;
  /** Set while skipping the rest of a line already known to be too long: its UTF-16 length so far. */
  private skipping: { decoder: StringDecoder; units: number } | undefined;
  /** Per dictionary, how many of the builder's categories the kernel has been given. */
  private readonly taught: number[];

  /** Bytes and lines read before the table's capacity was set from `expectedBytes` (undefined once it is). */
  private sizing: { bytes: number; lines: number } | undefined;

  /**
   * `expectedBytes`: the input's size once decoded, when known (a plain file's size, a gzip file's ISIZE):
   * after the first chunk the table reserves room for the rows that size suggests.
   */
  constructor(
    private readonly builder: TableBuilder,
    private readonly expectedBytes?: number,
  ) {
    const layout = builder.byteLayout();
    if (layout === undefined) throw new Error('ByteRowReader: this schema has no byte layout');
    this.parser = new WasmRowParser(layout, MAX_LINE_CHARS);
    this.taught = new Array<number>(layout.dictionaryCount).fill(0);
    if (expectedBytes !== undefined && expectedBytes > 0) this.sizing = { bytes: 0, lines: 0 };
  }

  /** Whether the byte path can take files of the schema `builder` was made for. */
  static accepts(builder: TableBuilder): boolean {
    return builder.byteLayout() !== undefined;
  }

  /** Number of the line being assembled (the next one to be handed over). */
  get lineNumber(): number {
    return this.line;
  }

  push(chunk: Buffer): void {
    // The kernel's input region holds one piece and the unfinished line before it: large chunks (a
    // caller's whole-file Buffer) are taken a slice at a time so it stays small.
    for (let at = 0; at < chunk.length; at += MAX_PIECE_BYTES) {
      this.pushPiece(chunk.length <= MAX_PIECE_BYTES ? chunk : chunk.subarray(at, at + MAX_PIECE_BYTES));
    }
  }

  private pushPiece(chunk: Buffer): void {
    if (this.skipping !== undefined) {
      const newline = chunk.indexOf(10);
      if (newline === -1) {
        this.skipping.units += this.skipping.decoder.write(chunk).length;
        return;
      }
      this.endSkipping(chunk.subarray(0, newline));
      chunk = chunk.subarray(newline + 1);
    }
    if (chunk.length === 0) return;
    let input = this.parser.input(this.held + chunk.length + 1);
    input.set(chunk, this.held);
    let total = this.held + chunk.length;
    this.held = total;
    if (!this.bomChecked) {
      if (total < 3) return;
      this.bomChecked = true;
      if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
        input.copyWithin(0, 3, total);
        total -= 3;
        this.held = total;
      }
    }
    // The held bytes before this chunk have no '\n' (they are one unfinished line).
    const lastNewline = total === 0 ? -1 : input.lastIndexOf(10, total - 1);
    if (lastNewline !== -1) {
      const end = lastNewline + 1;
      const firstLine = this.line;
      this.lines(0, end);
      if (this.sizing !== undefined) this.reserveFor(end, this.line - firstLine);
      input = this.parser.input(total + 1);
      input.copyWithin(0, end, total);
      this.held = total - end;
    }
    if (this.held > MAX_HELD_BYTES) this.startSkipping(input);
  }

  /** Hands over a last line that has no trailing newline. */
  end(): void {
    if (this.skipping !== undefined) {
      this.endSkipping(Buffer.alloc(0));
      return;
    }
    // Fewer than 3 bytes never checked for a BOM cannot hold one.
    this.bomChecked = true;
    if (this.held === 0) return;
    const end = this.held;
    this.held = 0;
    const input = this.parser.input(end + 1);
    input[end] = 10;
    this.lines(0, end + 1);
  }

  /** Once 64 KiB have been read, reserves 5 % more rows than their mean line length predicts. */
  private reserveFor(bytes: number, lines: number): void {
    const sizing = this.sizing;
    if (sizing === undefined || this.expectedBytes === undefined) return;
    sizing.bytes += bytes;
    sizing.lines += lines;
    if (sizing.bytes < 64 * 1024) return;
    this.sizing = undefined;
    const rows = Math.ceil((1.05 * this.expectedBytes * sizing.lines) / sizing.bytes);
    if (rows <= MAX_RESERVED_ROWS) this.builder.reserve(rows);
  }

  /** Every line in input[pos, end), which ends with '\n'. */
  private lines(pos: number, end: number): void {
    const parser = this.parser;
    while (pos < end) {
      if (this.builder.expectingHeader) {
        const input = parser.input(end);
        const newline = input.indexOf(10, pos);
        this.textLine(input, pos, newline);
        pos = newline + 1;
        continue;
      }
      const rows = parser.parse(pos, end, this.line);
      if (rows > 0) this.builder.appendParsed(parser.rows(), rows);
      this.line = parser.line;
      pos = parser.stop;
      const status = parser.status;
      if (status === PARSE_DONE) return;
      if (status === PARSE_LINE_FOR_CALLER) {
        const newline = parser.stopEnd;
        this.textLine(parser.input(end), pos, newline);
        pos = newline + 1;
      } else if (status !== PARSE_BATCH_FULL) {
        throw new Error(`ByteRowReader: unexpected kernel status ${status}`);
      }
    }
  }

  /** input[start, newline) decoded and given to the builder, as the text path would give it. */
  private textLine(input: Uint8Array, start: number, newline: number): void {
    const text = Buffer.from(input.buffer, input.byteOffset + start, newline - start).toString('utf8');
    const lineNumber = this.line++;
    if (text.length > MAX_LINE_CHARS) this.builder.lineTooLong(lineNumber, text.length);
    else this.builder.line(text, lineNumber);
    this.teachNewCategories();
  }

  /** Gives the kernel the categories the builder has coded since the last call (kept rows add them). */
  private teachNewCategories(): void {
    for (let d = 0; d < this.taught.length; d++) {
      const categories = this.builder.categoriesOf(d);
      while (this.taught[d] < categories.length) {
        const code = this.taught[d]++;
        this.parser.addCategory(d, categories[code], code);
      }
    }
  }

  /** Once an unfinished line is known to be too long, keeps counting its length without holding it. */
  private startSkipping(input: Uint8Array): void {
    const decoder = new StringDecoder('utf8');
    const units = decoder.write(Buffer.from(input.buffer, input.byteOffset, this.held)).length;
    this.skipping = { decoder, units };
    this.held = 0;
  }

  private endSkipping(rest: Buffer): void {
    const skipping = this.skipping;
    if (skipping === undefined) return;
    this.skipping = undefined;
    const units = skipping.units + skipping.decoder.write(rest).length + skipping.decoder.end().length;
    this.builder.lineTooLong(this.line++, units);
  }
}
