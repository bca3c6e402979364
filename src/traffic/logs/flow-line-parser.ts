import type { ConnRecord, SkipTally } from '../conn-record.js';

/** One parser per flow-log format: fed the lines of a log in order, it returns the records they hold. */
export interface FlowLineParser {
  /**
   * The record a line holds, or undefined for header, comment and blank lines and for lines it skipped
   * (those are counted in the tally with reason and position).
   */
  line(text: string, lineNumber: number): ConnRecord | undefined;
}

/** What every parser gets: the input's name for messages and the tally skipped lines go to. */
export interface ParserContext {
  readonly file: string;
  readonly skipped: SkipTally;
  /** Header and metadata lines accepted (neither records nor skipped), so every line is accounted for. */
  headerLines: number;
}

/** Position text used in the tally: `line 12` or `line 12, field "orig_bytes"`. */
export function at(lineNumber: number, field?: string): string {
  return field === undefined ? `line ${lineNumber}` : `line ${lineNumber}, field "${field}"`;
}
