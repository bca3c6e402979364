import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import type { HistoryFile } from '../fit/history.js';
import type { ResultsFile } from './results-file.js';
import type { RocFile } from '../evaluate/roc-file.js';
import { readJsonValue } from '../util/read-json-file.js';

// Only what the reports read is checked; unknown fields pass through (files may gain fields, never lose them).
const fraction = z.number();
const averages = z.looseObject({ macro: fraction, weighted: fraction });
const splitMetricsSchema = z.looseObject({
  n: z.number(),
  accuracy: fraction,
  precision: averages,
  recall: averages,
  f1: averages,
  rocAuc: z.looseObject({ macro: fraction.nullable(), perClass: z.record(z.string(), fraction.nullable()) }),
  perClass: z.record(
    z.string(),
    z.looseObject({
      precision: fraction,
      recall: fraction,
      f1: fraction,
      specificity: fraction,
      support: z.number(),
    }),
  ),
  confusion: z.looseObject({ labels: z.array(z.string()), matrix: z.array(z.array(z.number())) }),
  predictRowsPerSecond: z.number().default(0),
});

const metricsSchema = z.looseObject({
  formatVersion: z.literal(1),
  dataset: z.string(),
  task: z.string(),
  protocol: z.string(),
  protocolDescription: z.string().default(''),
  model: z.string(),
  modelOptions: z.record(z.string(), z.unknown()).default({}),
  seed: z.number(),
  classes: z.array(z.string()),
  trainSplit: z.string(),
  trainRows: z.number().default(0),
  trainSeconds: z.number().nullable().default(null),
  cleaning: z
    .looseObject({
      splits: z.record(z.string(), z.looseObject({})),
      resampling: z.looseObject({}).optional(),
    })
    .default({ splits: {} }),
  splits: z.record(z.string(), splitMetricsSchema),
  createdAt: z.string().default(''),
});

const historySchema = z.looseObject({
  formatVersion: z.literal(1),
  stages: z.record(
    z.string(),
    z.looseObject({
      epochs: z.array(
        z.looseObject({
          loss: z.number(),
          accuracy: z.number().optional(),
          valLoss: z.number().optional(),
          valAccuracy: z.number().optional(),
          seconds: z.number().optional(),
        }),
      ),
      stopReason: z.string().optional(),
    }),
  ),
});

const rocSchema = z.looseObject({
  formatVersion: z.literal(1),
  splits: z.record(
    z.string(),
    z.record(
      z.string(),
      z.looseObject({ fpr: z.array(z.number()), tpr: z.array(z.number()), auc: z.number().nullable() }),
    ),
  ),
});

const resultsSchema = z.looseObject({
  formatVersion: z.literal(1),
  name: z.string(),
  createdAt: z.string().optional(),
  runs: z.array(
    z.looseObject({
      id: z.string(),
      dir: z.string().optional(),
      dataset: z.string(),
      task: z.string(),
      protocol: z.string(),
      model: z.string(),
      seed: z.number(),
      metrics: metricsSchema,
    }),
  ),
  cells: z.array(z.looseObject({})),
});

/** Parsed JSON of a run file; a missing file and a malformed one are both errors naming the file. */
export function readJsonFile(path: string): Promise<unknown> {
  return readJsonValue(path, undefined, 'failure');
}

/** True for the error `readJsonFile` throws when the file does not exist. */
export function isFileNotFound(error: unknown): boolean {
  return (
    error instanceof IotIdsError &&
    error.cause instanceof Error &&
    (error.cause as NodeJS.ErrnoException).code === 'ENOENT'
  );
}

export function parseMetricsFile(raw: unknown, file: string): MetricsFile {
  return check(metricsSchema, raw, file) as unknown as MetricsFile;
}

export function parseHistoryFile(raw: unknown, file: string): HistoryFile {
  return check(historySchema, raw, file);
}

export function parseRocFile(raw: unknown, file: string): RocFile {
  return check(rocSchema, raw, file);
}

export function parseResultsFile(raw: unknown, file: string): ResultsFile {
  return check(resultsSchema, raw, file) as unknown as ResultsFile;
}

/** Reads and checks a `results.json` written by `iot-ids compare`. */
export async function readResultsFile(path: string): Promise<ResultsFile> {
  return parseResultsFile(await readJsonFile(path), path);
}

function check<T>(schema: z.ZodType<T>, raw: unknown, file: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`unexpected content: ${issue.message}`, {
      location: { file, field: issue.path.map(String).join('.') || undefined },
    });
  }
  return parsed.data;
}
