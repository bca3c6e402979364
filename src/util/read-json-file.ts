import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { IotIdsError } from '../errors.js';

/**
 * Reads a user-supplied JSON file (a run config, an experiment, thresholds…) and validates it with zod. Both
 * failures are usage errors naming the file, and for an invalid value the field path, e.g.
 * `run.json, field "modelOptions.nEstimators": invalid config: expected number`.
 */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new IotIdsError(`cannot read the ${what}: ${(error as Error).message}`, {
      kind: 'usage',
      location: { file: path },
      cause: error,
    });
  }
  return parseJsonValue(raw, schema, what, path);
}

/** Validates an already parsed value; errors name `source` and the first bad field. */
export function parseJsonValue<T>(value: unknown, schema: z.ZodType<T>, what: string, source: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid ${what}: ${issue.message}`, {
      kind: 'usage',
      location: { file: source, field: issue.path.join('.') || undefined },
    });
  }
  return parsed.data;
}
