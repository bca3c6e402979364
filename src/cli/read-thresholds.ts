import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { IotIdsError } from '../errors.js';

const thresholdsSchema = z.record(z.string(), z.number().min(0).max(1));

/** `--thresholds file.json`: per-class alert thresholds in [0, 1]; errors name the file and the class. */
export async function readThresholds(path: string): Promise<Record<string, number>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    throw new IotIdsError(`cannot read thresholds: ${(error as Error).message}`, {
      kind: 'usage',
      location: { file: path },
      cause: error,
    });
  }
  const parsed = thresholdsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid thresholds: ${issue.message}`, {
      kind: 'usage',
      location: { file: path, field: issue.path.join('.') || undefined },
    });
  }
  return parsed.data;
}
