import { IotIdsError } from '../errors.js';
import type { FieldProblem } from '../util/describe-issue.js';
import { formatPath } from '../util/describe-issue.js';

/**
 * Where each `train` flag's value goes in the run options (the shape of a run config file, see
 * src/train/run-options.ts). The flags are laid over the config file's values and the result is parsed once
 * by the run options schema; this table also turns a problem's path back into the flag the user typed.
 */
const TRAIN_FLAGS: Record<
  string,
  { flag: string; path: readonly string[]; value?: (v: unknown) => unknown }
> = {
  dataset: { flag: '--dataset', path: ['dataset'] },
  model: { flag: '--model', path: ['model'] },
  task: { flag: '--task', path: ['task'] },
  protocol: { flag: '--protocol', path: ['protocol'] },
  seed: { flag: '--seed', path: ['seed'] },
  out: { flag: '--out', path: ['out'] },
  dataDir: { flag: '--data-dir', path: ['dataDir'] },
  trainSplit: { flag: '--train-split', path: ['trainSplit'] },
  testFraction: { flag: '--test-fraction', path: ['testFraction'] },
  validation: { flag: '--validation', path: ['validation'] },
  timeSplitBy: { flag: '--time-split-by', path: ['timeSplitBy'] },
  smote: { flag: '--smote', path: ['resample', 'smote'] },
  smoteRatio: { flag: '--smote-ratio', path: ['resample', 'smoteRatio'] },
  undersample: { flag: '--undersample', path: ['resample', 'undersampleMaxPerClass'] },
  log1p: { flag: '--log1p', path: ['log1p'] },
  dropFeatures: { flag: '--drop-features', path: ['dropFeatures'] },
  dropConstant: { flag: '--drop-constant', path: ['pipeline', 'dropConstant'] },
  strict: { flag: '--strict', path: ['strict'] },
  resume: { flag: '--resume', path: ['resume'] },
  dedup: { flag: '--dedup', path: ['dedup'] },
  nEstimators: { flag: '--n-estimators', path: ['modelOptions', 'nEstimators'] },
  maxDepth: { flag: '--max-depth', path: ['modelOptions', 'maxDepth'] },
  minSamplesLeaf: { flag: '--min-samples-leaf', path: ['modelOptions', 'minSamplesLeaf'] },
  classWeight: {
    flag: '--class-weight',
    path: ['modelOptions', 'classWeight'],
    value: (v) => (v === 'none' ? null : v),
  },
  jobs: { flag: '--jobs', path: ['modelOptions', 'nJobs'] },
  epochs: { flag: '--epochs', path: ['modelOptions', 'epochs'] },
  batchSize: { flag: '--batch-size', path: ['modelOptions', 'batchSize'] },
  learningRate: { flag: '--learning-rate', path: ['modelOptions', 'learningRate'] },
  patience: { flag: '--patience', path: ['modelOptions', 'patience'] },
  focalGamma: { flag: '--focal-gamma', path: ['modelOptions', 'focalGamma'] },
  taxonomyOverrides: { flag: '--taxonomy', path: ['taxonomyOverrides'] },
};

/** The given flags (commander's attribute names) as run options; flags not given are left out. */
export function runOptionsFromFlags(flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flags)) {
    const target = TRAIN_FLAGS[key];
    if (target === undefined || value === undefined) continue;
    let node = out;
    for (const step of target.path.slice(0, -1)) node = (node[step] ??= {}) as Record<string, unknown>;
    node[target.path.at(-1) as string] = target.value ? target.value(value) : value;
  }
  return out;
}

/** The flag (as typed, long form) whose value sits at or above `path`, when that flag was given. */
function flagAt(path: readonly PropertyKey[], given: Record<string, unknown>): string | undefined {
  for (const [key, target] of Object.entries(TRAIN_FLAGS)) {
    if (given[key] === undefined) continue;
    if (target.path.every((step, i) => path[i] === step)) return target.flag;
  }
  return undefined;
}

/**
 * One usage error for every problem of the merged run options: a value from a flag is named by its flag
 * (`--n-estimators: must be ≥ 1, got 0`), one from the config file by its file and key as written there
 * (`run.json, field "modelOptions.nEstimators": …`), each with what to do about it.
 */
export function runOptionsError(
  problems: readonly FieldProblem[],
  context: {
    flags: Record<string, unknown>;
    configFile?: string;
    model: string;
    modelOptionNames: readonly string[];
    configKeys: readonly string[];
  },
): IotIdsError {
  const modelFlags = Object.values(TRAIN_FLAGS)
    .filter((t) => t.path[0] === 'modelOptions' && context.modelOptionNames.includes(t.path[1]))
    .map((t) => t.flag);
  const lines = problems.map((problem) => {
    const unknown = problem.message.startsWith('is not a known field');
    const modelOption = problem.path[0] === 'modelOptions' && problem.path.length > 1;
    const flag = flagAt(problem.path, context.flags);
    if (flag !== undefined) {
      if (unknown && modelOption) {
        const takes = modelFlags.length ? `; ${context.model} takes ${modelFlags.join(', ')}` : '';
        return `${flag} does not apply to model "${context.model}": remove it${takes}`;
      }
      return `${flag}: ${problem.message}`;
    }
    const where = `${context.configFile ? `${context.configFile}, ` : ''}field "${formatPath(problem.path)}"`;
    if (unknown && modelOption)
      return `${where}: model "${context.model}" has no such option (check the spelling, or remove it); its options: ${context.modelOptionNames.join(', ')}`;
    if (unknown && problem.path.length === 1)
      return `${where}: not a run option (check the spelling, or remove it); run options: ${context.configKeys.join(', ')}`;
    return `${where}: ${problem.message}`;
  });
  const [first, ...more] = lines;
  return new IotIdsError(more.length ? `${first}\n${more.map((l) => `  ${l}`).join('\n')}` : first, {
    kind: 'usage',
  });
}
