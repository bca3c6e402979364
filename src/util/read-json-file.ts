import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { IotIdsError } from '../errors.js';
import { fieldProblems, formatPath } from './describe-issue.js';

/**
 * Reads a user-supplied JSON file (a run config, an experiment, thresholds…) and validates it with zod. Both
 * failures are usage errors naming the file, and for an invalid value the field path, e.g.
 * `run.json, field "modelOptions.nEstimators": invalid config: expected number`.
 */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  return parseJsonValue(await readJsonValue(path, what), schema, what, path);
}

/**
 * The project's one JSON file reader: reads and parses without validating, for readers that report invalid
 * values their own way. A missing file and a syntax error are errors naming the file, with the underlying
 * error as `cause` (`ENOENT` for a missing file). `what` names the file in messages ("invalid config: …")
 * for user-supplied files, which are usage errors; our own outputs (run directories, model directories)
 * pass `kind: 'failure'`. A leading byte-order mark is allowed: editors on Windows add one, and JSON.parse
 * rejects it.
 */
export async function readJsonValue(
  path: string,
  what?: string,
  kind: 'usage' | 'failure' = 'usage',
): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const message = (error as Error).message;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new IotIdsError(
      what ? `cannot read the ${what}: ${message}` : missing ? 'file not found' : `cannot read: ${message}`,
      { kind, location: { file: path }, cause: error },
    );
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (error) {
    // V8's message quotes the text around the error, which pinpoints it well enough.
    throw new IotIdsError(`${what ? `invalid ${what}: ` : ''}not valid JSON: ${(error as Error).message}`, {
      kind,
      location: { file: path },
      cause: error,
    });
  }
}

/**
 * Validates an already parsed value. Errors name `source` and the field as the file writes it
 * (`modelOptions.nEstimators`, `grid.model[1]`) in the project's words; every bad field is listed, the first
 * in the error's location and the others on lines below it.
 */
export function parseJsonValue<T>(value: unknown, schema: z.ZodType<T>, what: string, source: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const [first, ...more] = fieldProblems(parsed.error.issues, value);
    const also = more.map((p) => `\n  field "${formatPath(p.path)}": ${p.message}`).join('');
    throw new IotIdsError(`invalid ${what}: ${first.message}${also}`, {
      kind: 'usage',
      location: { file: source, field: formatPath(first.path) || undefined },
    });
  }
  return parsed.data;
}
