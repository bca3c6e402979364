import { z } from 'zod';
import { DEDUP_MODES, PROTOCOL_NAMES, TASK_NAMES } from '../data/run-names.js';
import { MODEL_KINDS } from '../models/model-kinds.js';
import { TIME_SPLIT_BY } from '../preprocess/time-split.js';
import { VALIDATION_SCHEMES } from './validation-schemes.js';
import { modelDescriptor } from '../models/registry.js';
import { fieldProblems, type FieldProblem } from '../util/describe-issue.js';
import type { RunSpec } from './run-spec.js';

/**
 * The one schema of a training run's options. A run config file (`train --config run.json`) is written in
 * exactly this shape; the CLI maps its flags onto the same shape, lays them over the file's values and
 * parses the merged object once with this schema, which also supplies the defaults. Model options are
 * checked by the chosen model's own schema, so their defaults and limits live with the model.
 */
export const runOptionsSchema = z
  .object({
    /** Built-in dataset name or a schema file path. */
    dataset: z.string().min(1).default('nsl-kdd'),
    model: z.enum(MODEL_KINDS).default('rf'),
    /** Default (in runTraining): the first task the dataset supports. */
    task: z.enum(TASK_NAMES).optional(),
    /** Default (in runTraining): the schema's protocol, else the most honest one the dataset can run. */
    protocol: z.enum(PROTOCOL_NAMES).optional(),
    seed: z.number().int().min(0).default(1),
    trainSplit: z.string().min(1).optional(),
    validationFraction: z.number().gt(0).lt(0.5).optional(),
    /** How validation rows are drawn from the training data (validation-schemes.ts). Default: random rows. */
    validation: z.enum(VALIDATION_SCHEMES).optional(),
    testFraction: z.number().gt(0).lt(0.9).optional(),
    timeSplitBy: z.enum(TIME_SPLIT_BY).optional(),
    modelOptions: z.record(z.string(), z.unknown()).default({}),
    pipeline: z
      .object({ log1pColumns: z.array(z.string()), dropConstant: z.boolean(), clip: z.boolean() })
      .partial()
      .strict()
      .default({}),
    log1p: z.boolean().optional(),
    /** Feature columns no model sees (data/drop-features.ts); checked against the dataset when the run starts. */
    dropFeatures: z.array(z.string().min(1)).optional(),
    resample: z
      .object({
        smote: z.boolean(),
        smoteRatio: z.number().gt(0).max(1),
        smoteK: z.number().int().min(1).max(50),
        undersampleMaxPerClass: z.number().int().min(1),
      })
      .partial()
      .strict()
      .default({}),
    taxonomyOverrides: z.record(z.string(), z.enum(['normal', 'dos', 'probe', 'r2l', 'u2r'])).optional(),
    strict: z.boolean().optional(),
    dedup: z.union([z.boolean(), z.enum(DEDUP_MODES)]).optional(),
    /** Where the run goes and how it starts: given on the command line, never in a config file. */
    out: z.string().min(1),
    dataDir: z.string().min(1).optional(),
    resume: z.boolean().optional(),
  })
  .strict()
  .superRefine((options, ctx) => {
    const parsed = modelDescriptor(options.model).optionsSchema.safeParse(options.modelOptions);
    if (parsed.success) options.modelOptions = parsed.data;
    else
      for (const issue of parsed.error.issues)
        ctx.addIssue({ ...issue, path: ['modelOptions', ...issue.path] });
  });

/** The option names `kind` accepts in `modelOptions` (for messages); none for an unknown kind. */
export function modelOptionNames(kind: string): string[] {
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) return [];
  const schema = modelDescriptor(kind).optionsSchema as unknown as { shape?: Record<string, unknown> };
  return Object.keys(schema.shape ?? {});
}

/** Keys of the run options that only the command line sets (a config file describes what to train, not where). */
export const COMMAND_LINE_ONLY = ['out', 'dataDir', 'resume'] as const;

/** The keys a run config file may hold. */
export function runConfigKeys(): string[] {
  return Object.keys(runOptionsSchema.shape).filter(
    (key) => !(COMMAND_LINE_ONLY as readonly string[]).includes(key),
  );
}

export type RunOptions = z.output<typeof runOptionsSchema>;

/** Parses merged run options: the spec, or every problem with its path in the run options' shape. */
export function parseRunOptions(
  merged: Record<string, unknown>,
): { ok: true; spec: RunSpec } | { ok: false; problems: FieldProblem[] } {
  const parsed = runOptionsSchema.safeParse(merged);
  if (!parsed.success) return { ok: false, problems: fieldProblems(parsed.error.issues, merged) };
  return { ok: true, spec: parsed.data };
}

/**
 * `over` laid on `base`: keys of `over` win, except that plain objects (modelOptions, pipeline, resample) are
 * merged key by key, so `--epochs 5` keeps the file's other model options.
 */
export function mergeRunOptions(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    out[key] = isPlainObject(value) && isPlainObject(below) ? mergeRunOptions(below, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
