/**
 * The model kinds `--model` accepts, without loading any model: the CLI builds its help and option checks
 * from this list and imports the models (and TF.js) only when a command runs. `registry.test.ts` checks it
 * against the registry.
 */
export const MODEL_KINDS = [
  'rf',
  'svm',
  'sae-softmax',
  'sae-svm',
  'fcnn',
  'vae',
  'bigru',
  'vae-bigru',
  'rf-fcnn',
] as const;

export type ModelKind = (typeof MODEL_KINDS)[number];
