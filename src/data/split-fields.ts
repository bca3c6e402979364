import Papa from 'papaparse';

/**
 * Fields of one line of a delimited file, as the loader reads them: plain `split` when the line has no
 * quotes (the common case, and much faster), papaparse with fixed settings when it has. Undefined for
 * malformed quotes, which the caller reports as a rejected line. The table builder and the detection input
 * (files, stdin, Kafka messages) share it, so a line splits the same way wherever it comes from.
 */
export function splitFields(text: string, delimiter: string): string[] | undefined {
  if (text.indexOf('"') === -1) return text.split(delimiter);
  const parsed = Papa.parse<string[]>(text, {
    delimiter,
    newline: '\n',
    header: false,
    dynamicTyping: false,
    skipEmptyLines: false,
  });
  if (parsed.errors.length > 0 || parsed.data.length !== 1) return undefined;
  return parsed.data[0];
}
