import type { z } from 'zod';

/**
 * A zod issue in the project's words: what the value must be and what was given, e.g. `must be a whole
 * number ≥ 1, got 0` or `is not a known option (known: nEstimators, maxDepth)`, never the library's
 * "Invalid input: expected number, received string" or "Unrecognized keys". The field itself is named by the
 * caller (a flag as typed, or a config file key as written), since only it knows where the value came from.
 * `root` is the validated value, so the message can quote what was given.
 */
export function describeIssue(issue: z.core.$ZodIssue, root?: unknown): string {
  const given = valueAt(root, issue.path);
  const got = given.found ? `, got ${show(given.value)}` : '';
  // Messages a schema wrote itself (refine, regex with a message) are already in the project's words.
  if (!LIBRARY_WORDING.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return `must be a whole number${got}`;
      if (!given.found) return `is missing (it must be ${article(issue.expected)})`;
      return `must be ${article(issue.expected)}${got}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const sign = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} item(s)`;
      if (issue.origin === 'string')
        return `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${String(bound)} character(s)`;
      return `must be ${sign} ${String(bound)}${got}`;
    }
    case 'invalid_value':
      return `must be ${oneOf(issue.values)}${got}`;
    case 'unrecognized_keys':
      return `has no field ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling, or remove it)`;
    case 'invalid_union': {
      const alternatives = issue.errors.flatMap((branch) => branch.map((i) => alternative(i)));
      return `must be ${[...new Set(alternatives)].join(' or ')}${got}`;
    }
    case 'invalid_format':
      return `is not a valid ${issue.format}${got}`;
    default:
      return `is not valid${got}`;
  }
}

/** A problem at one field: an issue about unknown keys becomes one problem per key, at that key. */
export interface FieldProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Every issue of a failed parse as field problems, in the order zod found them. */
export function fieldProblems(issues: readonly z.core.$ZodIssue[], root: unknown): FieldProblem[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: [...issue.path, key],
          message: 'is not a known field (check the spelling, or remove it)',
        }))
      : [{ path: issue.path, message: describeIssue(issue, root) }],
  );
}

/** A path as a config file writes it: `modelOptions.nEstimators`, `grid.model[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

const LIBRARY_WORDING = /^(Invalid|Too (small|big)|Unrecognized key)/;

/** One branch of a union, as a noun phrase: `"balanced"`, `null`, `a number > 0`. */
function alternative(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return oneOf(issue.values);
  if (issue.code === 'invalid_type') return issue.expected === 'null' ? 'null' : article(issue.expected);
  return describeIssue(issue).replace(/^must be /, '');
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => show(v));
  return shown.length === 1 ? shown[0] : `one of ${shown.join(', ')}`;
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  if (expected === 'object') return 'an object ({ … })';
  if (expected === 'array') return 'a list ([ … ])';
  if (expected === 'null') return 'null';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return { found: false };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { found: root !== undefined, value };
}
