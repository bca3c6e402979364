import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import { describeIssue as inProjectWords } from '../util/describe-issue.js';
import { readJsonValue } from '../util/read-json-file.js';
import { availableProtocols } from './protocols.js';
import { PROTOCOL_NAMES, TASK_NAMES } from './run-names.js';
import type { ColumnType, DatasetDefinition, SplitFile, TimeColumns } from './schema.js';

/**
 * Reads the JSON schema file that lets any labelled flow CSV be used like a built-in dataset. The format,
 * its defaults and an example are in docs/datasets.md; this module is the single source of the rules.
 */

const COLUMN_TYPES = ['numeric', 'categorical', 'label', 'ignore'] as const satisfies readonly ColumnType[];
/** Categories the fixed KDD-style tasks understand (besides normal). */
const KDD_ATTACK_CATEGORIES = ['dos', 'probe', 'r2l', 'u2r'];

const columnSchema = z.strictObject({
  name: z.string().trim().min(1),
  type: z.enum(COLUMN_TYPES),
});

const splitObjectSchema = z.strictObject({
  file: z.string().min(1),
  url: z.url().optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, {
      error: 'expected 64 hexadecimal digits (SHA-256 of the decompressed file)',
    })
    .transform((s) => s.toLowerCase())
    .optional(),
  rows: z.int().positive().optional(),
  optional: z.boolean().optional(),
});

// A split is either a bare path or an object; the bare form is normalised first so errors keep exact paths.
const splitSchema = z.preprocess((v) => (typeof v === 'string' ? { file: v } : v), splitObjectSchema);

const timeSchema = z.strictObject({
  timestamp: z.string().trim().min(1).optional(),
  date: z.string().trim().min(1).optional(),
  time: z.string().trim().min(1).optional(),
});

const schemaFileSchema = z.strictObject({
  name: z.string().trim().min(1),
  title: z.string().optional(),
  columns: z.array(columnSchema).min(1),
  header: z.boolean().default(false),
  delimiter: z.string().length(1, { error: 'expected a single character such as "," or "\\t"' }).default(','),
  labelSuffix: z.string().min(1).optional(),
  taxonomy: z.strictObject({
    normal: z.array(z.string().min(1)).min(1),
    categories: z.record(z.string().min(1), z.string().trim().min(1)).default({}),
  }),
  logColumns: z.array(z.string()).optional(),
  time: timeSchema.optional(),
  groupColumn: z.string().trim().min(1).optional(),
  protocol: z.enum(PROTOCOL_NAMES).optional(),
  splits: z.record(z.string().trim().min(1), splitSchema),
  official: z
    .strictObject({
      train: z.string(),
      tests: z.array(z.string()).default([]),
    })
    .optional(),
  randomSplitSource: z.string().optional(),
  tasks: z.array(z.enum(TASK_NAMES)).min(1).optional(),
});

type SchemaFile = z.infer<typeof schemaFileSchema>;

/** Allowed keys per object, for "unknown key" messages (zod only names the offending key). */
function allowedKeysAt(path: readonly PropertyKey[]): string[] | undefined {
  const [first] = path;
  if (path.length === 0) return Object.keys(schemaFileSchema.shape);
  if (first === 'columns' && path.length === 2) return Object.keys(columnSchema.shape);
  if (first === 'splits' && path.length === 2) return Object.keys(splitObjectSchema.shape);
  if (first === 'taxonomy' && path.length === 1) return ['normal', 'categories'];
  if (first === 'official' && path.length === 1) return ['train', 'tests'];
  if (first === 'time' && path.length === 1) return Object.keys(timeSchema.shape);
  return undefined;
}

/** `columns[3].type`, `splits["KDDTest+"].sha256`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(part))) out += out ? `.${String(part)}` : String(part);
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out || '(top level)';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

interface Problem {
  path: readonly PropertyKey[];
  message: string;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): Problem {
  const path = issue.path;
  const actual = valueAt(raw, path);
  switch (issue.code) {
    case 'invalid_value':
      return {
        path,
        message: `invalid value ${JSON.stringify(actual)}; allowed values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(path);
      const suffix = allowed ? `; allowed keys: ${allowed.join(', ')}` : '';
      return { path, message: `unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}${suffix}` };
    }
    case 'invalid_type':
      return {
        path,
        message:
          actual === undefined
            ? `required (${issue.expected})`
            : `expected ${issue.expected}, got ${JSON.stringify(actual)}`,
      };
    default:
      return { path, message: inProjectWords(issue, raw) };
  }
}

function schemaError(file: string, problems: readonly Problem[]): IotIdsError {
  const lines = problems.map((p) => `${formatFieldPath(p.path)}: ${p.message}`);
  const location = problems.length === 1 ? { file, field: formatFieldPath(problems[0].path) } : { file };
  const message =
    problems.length === 1
      ? `invalid schema file: ${problems[0].message}`
      : `invalid schema file:\n  ${lines.join('\n  ')}`;
  return new IotIdsError(message, { kind: 'usage', location });
}

function unknownSplit(name: string, splitNames: readonly string[]): string {
  return `unknown split "${name}"; expected one of ${splitNames.map((s) => `"${s}"`).join(', ')}`;
}

/** Rules that span fields, which zod's per-field shapes cannot express. */
function crossFieldProblems(file: SchemaFile): Problem[] {
  const problems: Problem[] = [];
  const labelCount = file.columns.filter((c) => c.type === 'label').length;
  if (labelCount !== 1) {
    problems.push({
      path: ['columns'],
      message: `exactly one column must have type "label", found ${labelCount}`,
    });
  }
  const seen = new Set<string>();
  file.columns.forEach((c, i) => {
    if (seen.has(c.name))
      problems.push({ path: ['columns', i, 'name'], message: `duplicate column "${c.name}"` });
    seen.add(c.name);
  });
  const numeric = file.columns.filter((c) => c.type === 'numeric').map((c) => c.name);
  file.logColumns?.forEach((name, i) => {
    if (!numeric.includes(name)) {
      problems.push({ path: ['logColumns', i], message: `"${name}" is not a numeric column` });
    }
  });

  const names = file.columns.map((c) => c.name);
  const mustBeColumn = (name: string | undefined, path: PropertyKey[]): void => {
    if (name !== undefined && !names.includes(name)) {
      problems.push({ path, message: `"${name}" is not one of the columns` });
    }
  };
  if (file.time) {
    const { timestamp, date, time } = file.time;
    if ((timestamp === undefined) === (date === undefined)) {
      problems.push({
        path: ['time'],
        message:
          'give either "timestamp" (one column, epoch seconds or ISO 8601) or "date" (plus an optional "time")',
      });
    } else if (timestamp !== undefined && time !== undefined) {
      problems.push({ path: ['time', 'time'], message: '"time" goes with "date", not with "timestamp"' });
    }
    mustBeColumn(timestamp, ['time', 'timestamp']);
    mustBeColumn(date, ['time', 'date']);
    mustBeColumn(time, ['time', 'time']);
  }
  mustBeColumn(file.groupColumn, ['groupColumn']);
  if (
    file.groupColumn !== undefined &&
    file.columns.find((c) => c.name === file.groupColumn)?.type === 'label'
  ) {
    problems.push({ path: ['groupColumn'], message: 'the label column cannot be the group column' });
  }

  const normal = new Set(file.taxonomy.normal);
  for (const [label, category] of Object.entries(file.taxonomy.categories)) {
    if (category === 'normal') {
      problems.push({
        path: ['taxonomy', 'categories', label],
        message: 'list benign labels under taxonomy.normal instead of mapping them to "normal"',
      });
    } else if (normal.has(label)) {
      problems.push({
        path: ['taxonomy', 'categories', label],
        message: `"${label}" is also listed as normal`,
      });
    }
  }

  const splitNames = Object.keys(file.splits);
  if (splitNames.length === 0) {
    problems.push({
      path: ['splits'],
      message: 'at least one split is required, e.g. { "all": "flows.csv" }',
    });
    return problems;
  }
  if (file.official) {
    if (!splitNames.includes(file.official.train)) {
      problems.push({ path: ['official', 'train'], message: unknownSplit(file.official.train, splitNames) });
    }
    file.official.tests.forEach((name, i) => {
      if (!splitNames.includes(name))
        problems.push({ path: ['official', 'tests', i], message: unknownSplit(name, splitNames) });
    });
  }
  if (file.protocol !== undefined && problems.length === 0) {
    const available = availableProtocols(toDefinition(file, '.'));
    if (!available.includes(file.protocol)) {
      problems.push({
        path: ['protocol'],
        message: `"${file.protocol}" cannot run on this dataset; protocols it can use: ${available.join(', ')}`,
      });
    }
  }
  if (file.randomSplitSource !== undefined && !splitNames.includes(file.randomSplitSource)) {
    problems.push({ path: ['randomSplitSource'], message: unknownSplit(file.randomSplitSource, splitNames) });
  }

  const categories = [...new Set(Object.values(file.taxonomy.categories))];
  file.tasks?.forEach((task, i) => {
    if (
      (task === '5class' || task === 'ddos-u2r-normal') &&
      categories.some((c) => !KDD_ATTACK_CATEGORIES.includes(c))
    ) {
      problems.push({
        path: ['tasks', i],
        message: `task "${task}" needs every taxonomy category to be one of ${KDD_ATTACK_CATEGORIES.join(', ')}`,
      });
    }
    if (task === 'attack-cat' && categories.length === 0) {
      problems.push({ path: ['tasks', i], message: 'task "attack-cat" needs taxonomy.categories' });
    }
  });
  return problems;
}

function toDefinition(file: SchemaFile, baseDir: string): DatasetDefinition {
  const splits: SplitFile[] = Object.entries(file.splits).map(([name, split]) => ({ name, ...split }));
  const splitNames = splits.map((s) => s.name);
  const official = file.official ?? { train: splitNames[0], tests: splitNames.slice(1) };
  const hasCategories = Object.keys(file.taxonomy.categories).length > 0;
  return {
    name: file.name,
    title: file.title ?? file.name,
    schema: {
      name: file.name,
      columns: file.columns,
      header: file.header,
      delimiter: file.delimiter,
      labelSuffix: file.labelSuffix,
      taxonomy: file.taxonomy,
      logColumns: file.logColumns,
      time: file.time as TimeColumns | undefined,
      groupColumn: file.groupColumn,
    },
    splits,
    official,
    randomSplitSource: file.randomSplitSource ?? official.train,
    tasks: file.tasks ?? (hasCategories ? ['binary', 'attack-cat'] : ['binary']),
    defaultProtocol: file.protocol,
    baseDir,
  };
}

/** Parses and validates a schema file; every error names the file, the field path and what is allowed. */
export async function loadSchemaFile(path: string): Promise<DatasetDefinition> {
  const raw = await readJsonValue(path, 'schema file');
  // Not parseJsonValue: that reports only the first issue, this lists every one with the allowed values.
  const parsed = schemaFileSchema.safeParse(raw);
  if (!parsed.success)
    throw schemaError(
      path,
      parsed.error.issues.map((issue) => describeIssue(issue, raw)),
    );
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) throw schemaError(path, problems);
  return toDefinition(parsed.data, dirname(resolve(path)));
}
