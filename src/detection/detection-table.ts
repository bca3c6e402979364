import { labelColumnOf, type ColumnSpec, type DatasetSchema } from '../data/schema.js';
import type { Column, Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';

/**
 * The label every row of a detection table carries. Traffic to be scored has no true label (and when the
 * input has one it is deliberately not read), but `Table` always has a label column.
 */
export const UNLABELLED = '?';

/** The columns a model sees: numeric and categorical ones, in schema order (what `Table.features` holds). */
export function featureColumnsOf(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => c.type === 'numeric' || c.type === 'categorical');
}

/** A table with the schema's feature columns and no rows (a batch whose lines were all rejected). */
export function emptyTable(schema: DatasetSchema): Table {
  const features: Column[] = featureColumnsOf(schema.columns).map((c) =>
    c.type === 'numeric'
      ? { kind: 'numeric', name: c.name, values: new Float32Array(0) }
      : { kind: 'categorical', name: c.name, codes: new Int32Array(0), categories: [] },
  );
  return {
    nRows: 0,
    features,
    label: { kind: 'categorical', name: labelNameOf(schema), codes: new Int32Array(0), categories: [] },
    lineNumbers: new Uint32Array(0),
  };
}

export function labelNameOf(schema: DatasetSchema): string {
  try {
    return labelColumnOf(schema).name;
  } catch (error) {
    throw new IotIdsError(error instanceof Error ? error.message : String(error), {
      kind: 'usage',
      cause: error,
    });
  }
}

/**
 * Checks that `schema` gives the model the columns it was trained on (same names, kinds and order); a
 * different dataset or schema file would otherwise fail later with a less helpful message.
 */
export function checkFeatureColumns(
  schema: DatasetSchema,
  modelColumns: readonly ColumnSpec[],
  modelDir: string,
): void {
  const given = featureColumnsOf(schema.columns);
  const expected = featureColumnsOf(modelColumns);
  const describe = (c: ColumnSpec | undefined): string => (c ? `"${c.name}" (${c.type})` : 'nothing');
  for (let j = 0; j < Math.max(given.length, expected.length); j++) {
    const a = given[j];
    const b = expected[j];
    if (a?.name !== b?.name || a?.type !== b?.type) {
      throw new IotIdsError(
        `dataset "${schema.name}" does not match the model in ${modelDir}: feature column ${j + 1} is ` +
          `${describe(a)} but the model was trained with ${describe(b)}`,
        { kind: 'usage' },
      );
    }
  }
}
