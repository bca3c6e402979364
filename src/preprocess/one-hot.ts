import type { CategoricalColumn } from '../data/table.js';
import type { OutputColumn } from './min-max.js';

/**
 * The distinct values that occur in the rows of a training column, sorted by UTF-16 code unit (stable
 * across locales and machines). Only values present in rows count: tables made by `selectRows` share the
 * dictionary of the file they came from, which may hold values seen only in the test part.
 */
export function fitCategories(column: CategoricalColumn): string[] {
  const seen = new Uint8Array(column.categories.length);
  for (let i = 0; i < column.codes.length; i++) seen[column.codes[i]] = 1;
  const values = new Set<string>();
  seen.forEach((present, code) => {
    if (present) values.add(column.categories[code]);
  });
  return [...values].sort(compareCodeUnits);
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Translates a table's own dictionary codes into positions of the fitted categories (−1 for values the
 * training data did not have). Matching is by string, since every table has its own dictionary.
 */
export function codesToFitted(fitted: readonly string[], column: CategoricalColumn): Int32Array {
  const position = new Map(fitted.map((value, i) => [value, i]));
  return Int32Array.from(column.categories, (value) => position.get(value) ?? -1);
}

/**
 * Writes one-hot blocks (width = number of fitted categories, starting at `offset`) for a run of rows
 * whose dictionary codes are `codes`, translated by `toFitted` (from `codesToFitted`). Returns how many
 * rows had a value unknown to training; those rows get an all-zero block. Blocks are written in full, so
 * the buffer need not be zeroed beforehand.
 */
export function oneHotInto(
  codes: Int32Array,
  toFitted: Int32Array,
  width: number,
  target: OutputColumn,
): number {
  const { out, stride, offset } = target;
  let unknown = 0;
  for (let i = 0, o = offset; i < codes.length; i++, o += stride) {
    for (let j = 0; j < width; j++) out[o + j] = 0;
    const code = codes[i];
    const hot = code >= 0 && code < toFitted.length ? toFitted[code] : -1;
    if (hot < 0) unknown++;
    else out[o + hot] = 1;
  }
  return unknown;
}
