import type { SkipTally } from '../conn-record.js';
import { at, type ParserContext } from './flow-line-parser.js';

/** Column positions of a headed CSV flow export (Argus `ra -c ,`, `nfdump -o csv`), looked up by name. */
export class CsvHeader {
  readonly count: number;
  private readonly positions = new Map<string, number>();

  constructor(line: string) {
    const names = line.split(',').map((name) => name.trim());
    this.count = names.length;
    names.forEach((name, i) => {
      if (!this.positions.has(name)) this.positions.set(name, i);
    });
  }

  /** Position of a column, -1 when absent. */
  of(name: string): number {
    return this.positions.get(name) ?? -1;
  }

  missing(required: readonly string[]): string[] {
    return required.filter((name) => !this.positions.has(name));
  }

  /**
   * A data line's fields by column name (trimmed; '' for a column the header lacks), or undefined, counted,
   * when the line has a different number of fields than the header.
   */
  fields(text: string, n: number, skip: SkipTally): ((name: string) => string) | undefined {
    const f = text.split(',');
    if (f.length !== this.count)
      return void skip.add('wrong number of fields', `${at(n)} (${f.length}, header has ${this.count})`);
    return (name) => {
      const i = this.of(name);
      return i < 0 ? '' : f[i].trim();
    };
  }
}

/**
 * A header line of a CSV flow export: its CsvHeader when it names every required column, else undefined
 * with the missing names counted in the tally. Accepted headers are counted as header lines.
 */
export function acceptCsvHeader(
  line: string,
  required: readonly string[],
  n: number,
  ctx: ParserContext,
): CsvHeader | undefined {
  const header = new CsvHeader(line);
  const missing = header.missing(required);
  if (missing.length > 0) return void ctx.skipped.add(`header lacks ${missing.join(', ')}`, at(n));
  ctx.headerLines++;
  return header;
}
