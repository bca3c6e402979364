import { z } from 'zod';
import { usageError } from '../errors.js';

/**
 * How every estimator defines its options, once: a documented interface, a frozen `<model>Defaults` object
 * and one `<model>OptionsSchema` (zod, partial and strict, without `seed`, which comes from the run). The
 * registry and the CLI validate user input with that schema; the constructor resolves its options with
 * `resolveOptions`, which adds the seed to the same schema, so there is no second set of limits.
 */

/** Deep-freezes plain option objects (nested option objects and arrays included) and returns them. */
export function freezeDefaults<T extends object>(defaults: T): Readonly<T> {
  for (const value of Object.values(defaults)) {
    if (typeof value === 'object' && value !== null) freezeDefaults(value as object);
  }
  return Object.freeze(defaults);
}

/** One zod issue as "option "field" message", or "unknown option "key"" for keys a strict schema rejects. */
export function describeOptionIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const field = [path, issue.keys[0]].filter(Boolean).join('.');
    return { field, message: `unknown option "${field}"` };
  }
  return { field: path, message: `option ${path ? `"${path}" ` : ''}${issue.message}` };
}

/** A copy of `partial` without its undefined values (an unset option takes its default). */
export function definedOptions<T extends object>(partial: T): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Validates `partial` with the model's options schema plus an integer `seed`, and fills the rest from
 * `defaults`. Returns a fresh object (arrays and nested objects copied), so callers may freeze or change it.
 * Throws a usage error naming the model and the first bad option.
 */
export function resolveOptions<T extends object>(
  model: string,
  schema: z.ZodObject,
  defaults: Readonly<T>,
  partial: object = {},
): T {
  const withSeed = schema.extend({ seed: z.number().int().optional() }).strict();
  const parsed = withSeed.safeParse(definedOptions(partial));
  if (!parsed.success) throw usageError(`${model}: ${describeOptionIssue(parsed.error.issues[0]).message}`);
  return structuredClone({ ...defaults, ...parsed.data });
}
