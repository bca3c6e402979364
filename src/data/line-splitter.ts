/**
 * Longest line the loader accepts, in UTF-16 code units (1 MiB). A flow record is a few hundred characters;
 * anything near this is a damaged or wrong file, and the cap keeps a newline-free file from being buffered
 * whole.
 */
export const MAX_LINE_CHARS = 1 << 20;

export interface LineSink {
  /** A complete line without its '\n' (a trailing '\r' is left for the sink). `lineNumber` is 1-based. */
  line(text: string, lineNumber: number): void;
  /** A line longer than the cap; its content was discarded while streaming. */
  lineTooLong(lineNumber: number, length: number): void;
}

/**
 * Cuts decoded text chunks into lines. At most `maxLineChars` characters of an unfinished line are held:
 * once a line grows past the cap, the rest of it is skipped up to the next '\n'.
 */
export class LineSplitter {
  private pending: string[] = [];
  private pendingChars = 0;
  private skipping = false;
  private skippedChars = 0;
  private currentLine = 1;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineChars = MAX_LINE_CHARS,
  ) {}

  /** Number of the line being assembled (the next one to be emitted). */
  get lineNumber(): number {
    return this.currentLine;
  }

  /** Characters currently held for an unfinished line (never more than the cap). */
  get bufferedChars(): number {
    return this.pendingChars;
  }

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', start);
      if (newline === -1) {
        this.hold(chunk, start);
        return;
      }
      this.complete(chunk, start, newline);
      start = newline + 1;
    }
  }

  /** Emits a last line that has no trailing newline. */
  end(): void {
    if (this.pendingChars > 0 || this.skipping) this.complete('', 0, 0);
  }

  private complete(chunk: string, start: number, end: number): void {
    const length = (this.skipping ? this.skippedChars : this.pendingChars) + (end - start);
    const lineNumber = this.currentLine++;
    if (this.skipping || length > this.maxLineChars) {
      this.resetPending();
      this.sink.lineTooLong(lineNumber, length);
    } else if (this.pendingChars === 0) {
      this.sink.line(chunk.slice(start, end), lineNumber);
    } else {
      this.pending.push(chunk.slice(start, end));
      const text = this.pending.join('');
      this.resetPending();
      this.sink.line(text, lineNumber);
    }
  }

  private hold(chunk: string, start: number): void {
    const length = chunk.length - start;
    if (length === 0) return;
    if (this.skipping) {
      this.skippedChars += length;
    } else if (this.pendingChars + length > this.maxLineChars) {
      this.skipping = true;
      this.skippedChars = this.pendingChars + length;
      this.pending = [];
      this.pendingChars = 0;
    } else {
      this.pending.push(start === 0 ? chunk : chunk.slice(start));
      this.pendingChars += length;
    }
  }

  private resetPending(): void {
    this.pending = [];
    this.pendingChars = 0;
    this.skipping = false;
    this.skippedChars = 0;
  }
}
