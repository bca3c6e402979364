import { IotIdsError } from '../errors.js';
import { DATASETS, resolveDataset } from '../data/registry.js';
import type { ColumnSpec, DatasetDefinition, DatasetSchema } from '../data/schema.js';
import type { ModelManifest } from './model-dir.js';

/**
 * The dataset a saved model reads: the definition stored in its directory (or the built-in one of that
 * name, for models saved before definitions were stored), or the `-d` the user gave, which must then say
 * the same about the input as the stored one. Every difference is named, so a wrong schema file fails here
 * instead of scoring garbage.
 */
export async function datasetForModel(
  manifest: Pick<ModelManifest, 'dataset' | 'datasetDefinition' | 'inputColumns'>,
  modelDir: string,
  given?: string,
): Promise<DatasetDefinition> {
  const stored =
    manifest.datasetDefinition ??
    (Object.hasOwn(DATASETS, manifest.dataset)
      ? DATASETS[manifest.dataset as keyof typeof DATASETS]
      : undefined);
  if (given === undefined) {
    if (stored) return stored;
    throw new IotIdsError(
      `the model in ${modelDir} was trained on dataset "${manifest.dataset}", which is not built in, and was ` +
        'saved before models kept their dataset schema: pass its schema file with -d',
      { kind: 'usage' },
    );
  }
  const dataset = await resolveDataset(given);
  const expected: DatasetSchema = stored?.schema ?? {
    name: manifest.dataset,
    columns: manifest.inputColumns,
    header: dataset.schema.header,
    delimiter: dataset.schema.delimiter,
  };
  const differences = schemaDifferences(expected, dataset.schema, stored !== undefined);
  if (differences.length > 0) {
    throw new IotIdsError(
      `-d ${given} contradicts the dataset the model in ${modelDir} was trained on ("${manifest.dataset}"): ` +
        `${differences.join('; ')}. Leave out -d to use the model's own schema`,
      { kind: 'usage' },
    );
  }
  return dataset;
}

function quote(value: unknown): string {
  return value === undefined ? 'none' : JSON.stringify(value);
}

/** What `given` says differently about the input from `model`: columns, layout and taxonomy. */
export function schemaDifferences(
  model: DatasetSchema,
  given: DatasetSchema,
  compareLayout = true,
): string[] {
  const out: string[] = [];
  if (model.columns.length !== given.columns.length) {
    out.push(`the model has ${model.columns.length} columns, -d has ${given.columns.length}`);
  }
  const show = (c: ColumnSpec | undefined): string => (c ? `"${c.name}" (${c.type})` : 'no column');
  const differing: string[] = [];
  for (let j = 0; j < Math.max(model.columns.length, given.columns.length); j++) {
    const a = model.columns[j];
    const b = given.columns[j];
    if (a?.name !== b?.name || a?.type !== b?.type) {
      differing.push(`column ${j + 1} is ${show(a)} in the model but ${show(b)} in -d`);
    }
  }
  out.push(...differing.slice(0, 3));
  if (differing.length > 3) out.push(`… (${differing.length} columns differ)`);
  if (!compareLayout) return out;
  const fields = ['header', 'delimiter', 'labelSuffix'] as const;
  for (const field of fields) {
    if (model[field] !== given[field]) {
      out.push(`${field} is ${quote(model[field])} in the model but ${quote(given[field])} in -d`);
    }
  }
  const ta = model.taxonomy;
  const tb = given.taxonomy;
  if (ta && tb) {
    const labels = new Set([
      ...ta.normal,
      ...tb.normal,
      ...Object.keys(ta.categories),
      ...Object.keys(tb.categories),
    ]);
    const categoryOf = (t: typeof ta, label: string): string | undefined =>
      t.normal.includes(label)
        ? 'normal'
        : Object.hasOwn(t.categories, label)
          ? t.categories[label]
          : undefined;
    const changed = [...labels].filter((l) => categoryOf(ta, l) !== categoryOf(tb, l));
    if (changed.length > 0) {
      const shown = changed
        .slice(0, 5)
        .map(
          (l) => `"${l}" is ${quote(categoryOf(ta, l))} in the model but ${quote(categoryOf(tb, l))} in -d`,
        );
      out.push(`taxonomy: ${shown.join(', ')}${changed.length > 5 ? `, … (${changed.length} labels)` : ''}`);
    }
  } else if (ta !== tb && (ta === undefined) !== (tb === undefined)) {
    out.push(`taxonomy is ${ta ? 'set' : 'absent'} in the model but ${tb ? 'set' : 'absent'} in -d`);
  }
  return out;
}
