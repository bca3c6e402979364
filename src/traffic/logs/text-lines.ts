import { StringDecoder } from 'node:string_decoder';

/** Longest line accepted (characters); a flow record is a few hundred, so more means a damaged file. */
export const MAX_FLOW_LINE_CHARS = 1 << 20;

export interface LineHandler {
  /** A complete line without '\n' and without a trailing '\r'; `lineNumber` is 1-based. */
  line(text: string, lineNumber: number): void;
  /** A line over the cap, discarded while streaming (only its length is known). */
  tooLong(lineNumber: number, length: number): void;
}

/**
 * Decodes UTF-8 byte chunks (any boundaries, a leading BOM dropped) and cuts them into lines. At most the
 * cap of an unfinished line is held, so a file without newlines cannot fill memory.
 */
export class TextLines {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private skippingLength = -1;
  private nextLine = 1;
  private first = true;

  constructor(
    private readonly handler: LineHandler,
    private readonly maxChars = MAX_FLOW_LINE_CHARS,
  ) {}

  get linesSeen(): number {
    return this.nextLine - 1;
  }

  push(bytes: Buffer): void {
    this.text(this.decoder.write(bytes));
  }

  end(): void {
    this.text(this.decoder.end());
    if (this.skippingLength >= 0) {
      this.handler.tooLong(this.nextLine++, this.skippingLength);
      this.skippingLength = -1;
    } else if (this.carry.length > 0) {
      this.emit(this.carry);
      this.carry = '';
    }
  }

  private text(chunk: string): void {
    if (this.first && chunk.length > 0) {
      this.first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      if (newline === -1) break;
      if (this.skippingLength >= 0) {
        this.handler.tooLong(this.nextLine++, this.skippingLength + newline - start);
        this.skippingLength = -1;
      } else if (this.carry.length > 0) {
        const whole = this.carry + chunk.slice(start, newline);
        this.carry = '';
        if (whole.length > this.maxChars) this.handler.tooLong(this.nextLine++, whole.length);
        else this.emit(whole);
      } else if (newline - start > this.maxChars) {
        this.handler.tooLong(this.nextLine++, newline - start);
      } else {
        this.emit(chunk.slice(start, newline));
      }
      start = newline + 1;
    }
    if (start >= chunk.length) return;
    if (this.skippingLength >= 0) {
      this.skippingLength += chunk.length - start;
    } else if (this.carry.length + chunk.length - start > this.maxChars) {
      this.skippingLength = this.carry.length + chunk.length - start;
      this.carry = '';
    } else {
      this.carry += chunk.slice(start);
    }
  }

  private emit(line: string): void {
    const n = this.nextLine++;
    this.handler.line(line.endsWith('\r') ? line.slice(0, -1) : line, n);
  }
}
