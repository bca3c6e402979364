import type { CategoricalColumn, Column, Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';

/**
 * Stacks tables with the same feature columns (the requests of one micro-batch) into one, rows in order.
 * Each table has its own category dictionaries, so categorical codes are remapped onto a merged
 * dictionary; numeric columns are copied. Line numbers are kept as they are (each request's own record
 * positions).
 */
export function concatTables(tables: readonly Table[]): Table {
  if (tables.length === 0) throw new IotIdsError('concatTables needs at least one table');
  if (tables.length === 1) return tables[0];
  const first = tables[0];
  for (const table of tables) {
    const same =
      table.features.length === first.features.length &&
      table.features.every((c, j) => c.name === first.features[j].name && c.kind === first.features[j].kind);
    if (!same) throw new IotIdsError('concatTables: the tables have different feature columns');
  }
  const nRows = tables.reduce((sum, t) => sum + t.nRows, 0);
  const features = first.features.map((column, j): Column => {
    const parts = tables.map((t) => t.features[j]);
    if (column.kind === 'numeric') {
      const values = new Float32Array(nRows);
      let at = 0;
      for (const part of parts) {
        if (part.kind !== 'numeric') throw new IotIdsError('concatTables: column kinds differ');
        values.set(part.values, at);
        at += part.values.length;
      }
      return { kind: 'numeric', name: column.name, values };
    }
    return mergeCategorical(column.name, parts as CategoricalColumn[], nRows);
  });
  const label = mergeCategorical(
    first.label.name,
    tables.map((t) => t.label),
    nRows,
  );
  const lineNumbers = new Uint32Array(nRows);
  let at = 0;
  for (const table of tables) {
    lineNumbers.set(table.lineNumbers, at);
    at += table.nRows;
  }
  return { nRows, features, label, lineNumbers };
}

function mergeCategorical(
  name: string,
  parts: readonly CategoricalColumn[],
  nRows: number,
): CategoricalColumn {
  const dictionary = new Map<string, number>();
  const codes = new Int32Array(nRows);
  let at = 0;
  for (const part of parts) {
    const remap = part.categories.map((category) => {
      let code = dictionary.get(category);
      if (code === undefined) {
        code = dictionary.size;
        dictionary.set(category, code);
      }
      return code;
    });
    for (let i = 0; i < part.codes.length; i++) codes[at + i] = remap[part.codes[i]];
    at += part.codes.length;
  }
  return { kind: 'categorical', name, codes, categories: [...dictionary.keys()] };
}
