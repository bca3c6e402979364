import type { z } from 'zod';
import { IotIdsError, usageError } from '../errors.js';
import { biGruDefaults, biGruOptionsSchema } from './bigru/options.js';
import { vaeBiGruDefaults, vaeBiGruOptionsSchema } from './bigru/vae-bigru-options.js';
import { rfFcnnDefaults, rfFcnnOptionsSchema } from './ensemble/rf-fcnn-options.js';
import { fcnnDefaults, fcnnOptionsSchema } from './fcnn/options.js';
import { MODEL_KINDS, type ModelKind } from './model-kinds.js';
import { describeOptionIssue } from './options.js';
import { randomForestDefaults, randomForestOptionsSchema } from './random-forest/options.js';
import {
  saeSoftmaxDefaults,
  saeSoftmaxOptionsSchema,
  saeSvmDefaults,
  saeSvmOptionsSchema,
} from './sae/options.js';
import { svmDefaults, svmOptionsSchema } from './svm/options.js';
import { vaeClassifierDefaults, vaeClassifierOptionsSchema } from './vae/options.js';

/** One model kind's options: the zod schema of what a user may set (without `seed`) and every default. */
export interface ModelOptionsSpec {
  readonly optionsSchema: z.ZodObject;
  readonly defaults: Readonly<Record<string, unknown>>;
}

/**
 * Every model kind's options schema and defaults, without loading a model (or TF.js): the CLI validates
 * flags and prints defaults in `--help` from here, the registry validates with the same schemas, and each
 * model's constructor resolves its options with them (src/models/options.ts).
 */
export const MODEL_OPTIONS: Readonly<Record<ModelKind, ModelOptionsSpec>> = {
  rf: { optionsSchema: randomForestOptionsSchema, defaults: randomForestDefaults },
  svm: { optionsSchema: svmOptionsSchema, defaults: svmDefaults },
  'sae-softmax': { optionsSchema: saeSoftmaxOptionsSchema, defaults: saeSoftmaxDefaults },
  'sae-svm': { optionsSchema: saeSvmOptionsSchema, defaults: saeSvmDefaults },
  fcnn: { optionsSchema: fcnnOptionsSchema, defaults: fcnnDefaults },
  vae: { optionsSchema: vaeClassifierOptionsSchema, defaults: vaeClassifierDefaults },
  bigru: { optionsSchema: biGruOptionsSchema, defaults: biGruDefaults },
  'vae-bigru': { optionsSchema: vaeBiGruOptionsSchema, defaults: vaeBiGruDefaults },
  'rf-fcnn': { optionsSchema: rfFcnnOptionsSchema, defaults: rfFcnnDefaults },
};

/** The options spec of `kind`, or a usage error listing the known kinds. */
export function modelOptionsSpec(kind: string): ModelOptionsSpec {
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) {
    throw usageError(`unknown model "${kind}"; known models: ${MODEL_KINDS.join(', ')}`);
  }
  return MODEL_OPTIONS[kind as ModelKind];
}

/**
 * Validates user-supplied options for `kind` with the model's own schema; `source` names where they came
 * from (a file or flags). Unset options stay unset: the model fills its defaults when it is built.
 */
export function parseModelOptions(kind: string, value: unknown, source: string): Record<string, unknown> {
  const parsed = modelOptionsSpec(kind).optionsSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const { field, message } = describeOptionIssue(parsed.error.issues[0]);
    throw new IotIdsError(`invalid option for model "${kind}": ${message}`, {
      kind: 'usage',
      location: { file: source, field: field || undefined },
    });
  }
  return parsed.data;
}
