import { IotIdsError } from '../errors.js';
import type { TaskName } from './run-names.js';
import type { DatasetDefinition, Taxonomy } from './schema.js';
import type { Table } from './table.js';
import { taxonomyCategories } from './taxonomy.js';

/**
 * Fixed class lists; `attack-cat` and `detailed` are missing because their classes come from the dataset's
 * taxonomy. `detailed` is `attack-cat` over a traffic log's detailed labels (IoT-23's `detailed-label`,
 * benign where `label` says so): the traffic loader picks that column, the classes work the same way.
 */
export const TASK_CLASSES = {
  '5class': ['normal', 'dos', 'probe', 'r2l', 'u2r'],
  binary: ['normal', 'attack'],
  'ddos-u2r-normal': ['normal', 'ddos', 'u2r'],
} as const satisfies Record<Exclude<TaskName, 'attack-cat' | 'detailed'>, readonly string[]>;

/** Tasks whose classes are the taxonomy's categories rather than a fixed list. */
function classesFromTaxonomy(task: TaskName): task is 'attack-cat' | 'detailed' {
  return task === 'attack-cat' || task === 'detailed';
}

export interface TaskLabels {
  /** Class names; `y` values index this list. */
  classes: string[];
  /** Class index per kept row. */
  y: Int32Array;
  /** Index in the input table of each kept row, ascending. */
  rows: Int32Array;
  /** Rows dropped for any reason: the sum of `excludedByLabel`. */
  excluded: number;
  /** Dropped rows per raw label, both labels the task leaves out (probe in ddos-u2r-normal) and unknown ones. */
  excludedByLabel: Record<string, number>;
  /**
   * Raw labels the taxonomy does not know, with their row counts. They are dropped (and also counted in
   * `excludedByLabel`), never guessed into a class, so a new attack name shows up in the report instead of
   * quietly inflating a class.
   */
  unknownLabels: Record<string, number>;
}

function requireTask(task: TaskName, dataset: DatasetDefinition): void {
  if (!dataset.tasks.includes(task)) {
    throw new IotIdsError(
      `task "${task}" is not available for dataset ${dataset.name}; choose one of ${dataset.tasks.join(', ')}`,
      { kind: 'usage' },
    );
  }
}

function requireTaxonomy(dataset: DatasetDefinition, taxonomy: Taxonomy | undefined): Taxonomy {
  if (!taxonomy) {
    throw new IotIdsError(
      `dataset ${dataset.name} has no taxonomy, so no task can tell normal from attack rows; add one to its schema file`,
      { kind: 'usage' },
    );
  }
  return taxonomy;
}

/** `normal` plus the categories of `primary`, then any category only `extra` has (so indices stay stable). */
function attackCatClasses(primary: Taxonomy, extra?: Taxonomy): string[] {
  const classes = taxonomyCategories(primary);
  if (extra) for (const c of taxonomyCategories(extra)) if (!classes.includes(c)) classes.push(c);
  return classes;
}

/** The class names of `task` on `dataset`, in label-index order. */
export function classesForTask(task: TaskName, dataset: DatasetDefinition): string[] {
  requireTask(task, dataset);
  if (classesFromTaxonomy(task)) return attackCatClasses(requireTaxonomy(dataset, dataset.schema.taxonomy));
  return [...TASK_CLASSES[task]];
}

/** The class a taxonomy category falls into for `task`, or undefined when the task leaves it out. */
function classOfCategory(task: TaskName, category: string): string | undefined {
  switch (task) {
    case '5class':
      return (TASK_CLASSES['5class'] as readonly string[]).includes(category) ? category : undefined;
    case 'binary':
      return category === 'normal' ? 'normal' : 'attack';
    case 'ddos-u2r-normal':
      if (category === 'dos') return 'ddos';
      return category === 'normal' || category === 'u2r' ? category : undefined;
    case 'attack-cat':
    case 'detailed':
      return category;
  }
}

const UNKNOWN = -2;
const EXCLUDED = -1;

/**
 * Maps each row's raw label to a class of `task`. `taxonomy` defaults to the dataset's own (pass one built by
 * `taxonomyWithOverrides` to move contested labels).
 */
export function labelsForTask(
  table: Table,
  task: TaskName,
  dataset: DatasetDefinition,
  taxonomy: Taxonomy | undefined = dataset.schema.taxonomy,
): TaskLabels {
  requireTask(task, dataset);
  const effective = requireTaxonomy(dataset, taxonomy);
  const classes = classesFromTaxonomy(task)
    ? attackCatClasses(dataset.schema.taxonomy ?? effective, effective)
    : [...TASK_CLASSES[task]];

  // Decide once per distinct raw label, then the per-row loop is a table lookup.
  const normal = new Set(effective.normal);
  const rawLabels = table.label.categories;
  const classOfCode = new Int32Array(rawLabels.length);
  rawLabels.forEach((raw, code) => {
    // hasOwn: a label such as "constructor" must not pick up Object.prototype members.
    const category = normal.has(raw)
      ? 'normal'
      : Object.hasOwn(effective.categories, raw)
        ? effective.categories[raw]
        : undefined;
    if (category === undefined) {
      classOfCode[code] = UNKNOWN;
      return;
    }
    const name = classOfCategory(task, category);
    classOfCode[code] = name === undefined ? EXCLUDED : classes.indexOf(name);
  });

  const codes = table.label.codes;
  const y = new Int32Array(table.nRows);
  const rows = new Int32Array(table.nRows);
  const droppedPerCode = new Float64Array(rawLabels.length);
  let kept = 0;
  for (let i = 0; i < table.nRows; i++) {
    const cls = classOfCode[codes[i]];
    if (cls >= 0) {
      y[kept] = cls;
      rows[kept] = i;
      kept++;
    } else {
      droppedPerCode[codes[i]]++;
    }
  }

  const excludedByLabel: Record<string, number> = {};
  const unknownLabels: Record<string, number> = {};
  rawLabels.forEach((raw, code) => {
    const count = droppedPerCode[code];
    if (count === 0) return;
    excludedByLabel[raw] = count;
    if (classOfCode[code] === UNKNOWN) unknownLabels[raw] = count;
  });
  return {
    classes,
    y: y.slice(0, kept),
    rows: rows.slice(0, kept),
    excluded: table.nRows - kept,
    excludedByLabel,
    unknownLabels,
  };
}
