import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { IotIdsError } from '../errors.js';

/**
 * Reads a user-supplied JSON file (a run config, an experiment, thresholds…) and validates it with zod. Both
 * failures are usage errors naming the file, and for an invalid value the field path, e.g.
 * `run.json, field "modelOptions.nEstimators": invalid config: expected number`.
 */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  return parseJsonValue(await readJsonValue(path, what), schema, what, path);
}

/**
 * Reads and parses a JSON file without validating it, for readers that report invalid values their own way.
 * A missing file and a syntax error are usage errors naming the file. A leading byte-order mark is allowed:
 * editors on Windows add one, and JSON.parse rejects it.
 */
export async function readJsonValue(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new IotIdsError(`cannot read the ${what}: ${(error as Error).message}`, {
      kind: 'usage',
      location: { file: path },
      cause: error,
    });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    // V8's message quotes the text around the error, which pinpoints it well enough.
    throw new IotIdsError(`invalid ${what}: not valid JSON: ${(error as Error).message}`, {
      kind: 'usage',
      location: { file: path },
      cause: error,
    });
  }
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
