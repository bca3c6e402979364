import { IotIdsError } from '../errors.js';
import type { ColumnSpec, DatasetDefinition } from './schema.js';

/**
 * The dataset with the named feature columns turned into `ignore` columns (and out of its log1p list): they
 * are still read and checked, so a model trained without them scores the same files and rows, but no model
 * sees them. This is how a run leaves out features that may only memorise the capture (ids, counters of the
 * recording network) — which ones is a choice to make on validation rows, never on a test file.
 *
 * Every name must be a feature column (numeric or categorical) of the schema, listed once, and at least one
 * feature must remain; anything else is a usage error naming the option and the offending entry.
 */
export function withoutFeatures(dataset: DatasetDefinition, names: readonly string[]): DatasetDefinition {
  if (names.length === 0) return dataset;
  const { schema } = dataset;
  const fail = (index: number, message: string): never => {
    throw new IotIdsError(message, {
      kind: 'usage',
      location: { field: `dropFeatures.${index}` },
    });
  };
  if (schema.trafficInput) {
    fail(0, `dataset "${dataset.name}" computes its columns from traffic; drop features of a CSV dataset`);
  }
  const features = schema.columns.filter((c) => c.type === 'numeric' || c.type === 'categorical');
  const featureNames = new Set(features.map((c) => c.name));
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (seen.has(name)) fail(index, `"${name}" is listed twice`);
    seen.add(name);
    if (!featureNames.has(name)) {
      const column = schema.columns.find((c) => c.name === name);
      const why = column
        ? `${column.type === 'ignore' ? 'an' : 'a'} ${column.type} column, not a feature`
        : 'not a column';
      fail(
        index,
        `"${name}" is ${why} of dataset "${dataset.name}"; its features are: ${[...featureNames].join(', ')}`,
      );
    }
  });
  if (seen.size === features.length) fail(0, `it would drop every feature of dataset "${dataset.name}"`);
  const columns = schema.columns.map((c): ColumnSpec =>
    seen.has(c.name) ? { name: c.name, type: 'ignore' } : c,
  );
  const logColumns = schema.logColumns?.filter((name) => !seen.has(name));
  return {
    ...dataset,
    schema: { ...schema, columns, ...(logColumns ? { logColumns } : {}) },
  };
}
