import { z } from 'zod';
import { PROTOCOL_NAMES } from '../data/protocols.js';
import type { TaskName } from '../data/schema.js';
import { TASK_NAMES } from '../data/tasks.js';
import { readJsonFile } from '../util/read-json-file.js';
import { VALIDATION_SCHEMES } from './validation-schemes.js';

/**
 * `--config file.json`: every training choice in one file, so a run can be repeated exactly. Flags given on
 * the command line override the file.
 */
const runConfigSchema = z
  .object({
    dataset: z.string(),
    model: z.string(),
    task: z.enum(TASK_NAMES as [TaskName, ...TaskName[]]),
    protocol: z.enum(PROTOCOL_NAMES),
    seed: z.number().int().min(0),
    trainSplit: z.string(),
    validationFraction: z.number().gt(0).lt(0.5),
    validation: z.enum(VALIDATION_SCHEMES),
    log1p: z.boolean(),
    testFraction: z.number().gt(0).lt(0.9),
    modelOptions: z.record(z.string(), z.unknown()),
    pipeline: z
      .object({ log1pColumns: z.array(z.string()), dropConstant: z.boolean(), clip: z.boolean() })
      .partial()
      .strict(),
    resample: z
      .object({
        smote: z.boolean(),
        smoteRatio: z.number().gt(0).max(1),
        smoteK: z.number().int().min(1).max(50),
        undersampleMaxPerClass: z.number().int().min(1),
      })
      .partial()
      .strict(),
    taxonomyOverrides: z.record(z.string(), z.enum(['normal', 'dos', 'probe', 'r2l', 'u2r'])),
    strict: z.boolean(),
    dedup: z.union([z.boolean(), z.enum(['before-split', 'train-only'])]),
  })
  .partial()
  .strict();

export type RunConfigFile = z.infer<typeof runConfigSchema>;

export async function readRunConfigFile(path: string): Promise<RunConfigFile> {
  return readJsonFile(path, runConfigSchema, 'config');
}
