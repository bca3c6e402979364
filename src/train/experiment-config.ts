import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import { parseJsonValue, readJsonFile } from '../util/read-json-file.js';
import { DATASET_NAMES } from '../data/registry.js';
import type { ProtocolName, TaskName } from '../data/schema.js';
import { DEDUP_MODES, PROTOCOL_NAMES, TASK_NAMES, type DedupMode } from '../data/run-names.js';
import { modelDescriptor, modelKinds } from '../models/registry.js';
import { fieldProblems, formatPath } from '../util/describe-issue.js';
import { VALIDATION_SCHEMES, type ValidationScheme } from './validation-schemes.js';
import { TIME_SPLIT_BY, type TimeSplitBy } from '../preprocess/time-split.js';
import {
  anomalyAlertsSchema,
  checkAnomalyAlerts,
  type AnomalyAlertsConfig,
} from './anomaly-alerts-config.js';

/**
 * `iot-ids compare --config experiments/<name>.json`: a grid of datasets × models × tasks × protocols, each
 * combination run once per seed, with per-model options.
 */
export interface ExperimentConfig {
  name: string;
  grid: { dataset: string[]; model: string[]; task: TaskName[]; protocol: ProtocolName[] };
  options: Record<string, Record<string, unknown>>;
  /** Train on this split instead of the protocol's (e.g. KDDTrain+_20Percent for a quick grid). */
  trainSplit?: string;
  /** Drop exact duplicate rows in every run, as `train --dedup` (true: train-only). Default off. */
  dedup?: boolean | DedupMode;
  /** log1p the dataset's heavy-tailed count columns before min-max in every run (`--log1p`). Default false. */
  log1p?: boolean;
  /** Feature columns no model of the grid sees (`--drop-features`); see RunSpec.dropFeatures. */
  dropFeatures?: string[];
  /** Validation scheme of every run (`--validation`); see RunSpec.validation. */
  validation?: ValidationScheme;
  /** Share of the training rows (per class) held out for validation. Default 0.1. */
  validationFraction?: number;
  /** One-file protocols: share of the file held out for testing (`--test-fraction`). */
  testFraction?: number;
  /** time-split: cut by rows or at the mark of the elapsed time (`--time-split-by`). Default rows. */
  timeSplitBy?: TimeSplitBy;
  /**
   * Each model of the grid also runs with the zero-day autoencoder beside it, the anomaly threshold chosen
   * per seed on leave-attack-type-out validation (train/anomaly-alerts-config.ts); its `routes.5class`
   * runs the 5class task by the second-round route instead (train/run-ensemble-route.ts). Default: not run.
   */
  anomalyAlerts?: AnomalyAlertsConfig;
}

/** One cell of the grid for one seed. */
export interface GridRun {
  id: string;
  dataset: string;
  model: string;
  task: TaskName;
  protocol: ProtocolName;
  seed: number;
  modelOptions: Record<string, unknown>;
}

function configSchema() {
  const datasetName = z.string().refine((d) => DATASET_NAMES.includes(d as never) || d.endsWith('.json'), {
    message: `unknown dataset; known datasets: ${DATASET_NAMES.join(', ')} (or a schema .json file)`,
  });
  return z
    .object({
      name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, dot, dash or underscore'),
      grid: z
        .object({
          dataset: z.array(datasetName).min(1),
          model: z.array(z.enum(modelKinds() as [string, ...string[]])).min(1),
          task: z.array(z.enum(TASK_NAMES)).min(1),
          protocol: z.array(z.enum(PROTOCOL_NAMES)).min(1),
        })
        .strict(),
      options: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
      trainSplit: z.string().optional(),
      dedup: z.union([z.boolean(), z.enum(DEDUP_MODES)]).optional(),
      log1p: z.boolean().optional(),
      dropFeatures: z.array(z.string().min(1)).min(1).optional(),
      validation: z.enum(VALIDATION_SCHEMES).optional(),
      validationFraction: z.number().gt(0).lt(1).optional(),
      testFraction: z.number().gt(0).lt(0.9).optional(),
      timeSplitBy: z.enum(TIME_SPLIT_BY).optional(),
      anomalyAlerts: anomalyAlertsSchema.optional(),
    })
    .strict();
}

export async function readExperimentConfig(path: string): Promise<ExperimentConfig> {
  const config = await readJsonFile(path, configSchema(), 'experiment config');
  return checkOptions(config, path);
}

export function parseExperimentConfig(raw: unknown, source: string): ExperimentConfig {
  return checkOptions(parseJsonValue(raw, configSchema(), 'experiment config', source), source);
}

/** Options must name a model of the grid and be valid for it; anomalyAlerts must fit the grid. */
function checkOptions(config: ExperimentConfig, source: string): ExperimentConfig {
  if (config.anomalyAlerts) checkAnomalyAlerts(config, source);
  for (const [model, options] of Object.entries(config.options)) {
    if (!config.grid.model.includes(model)) {
      throw new IotIdsError(`options given for model "${model}", which is not in grid.model`, {
        kind: 'usage',
        location: { file: source, field: `options.${model}` },
      });
    }
    const parsed = modelDescriptor(model).optionsSchema.safeParse(options);
    if (!parsed.success) {
      const [first] = fieldProblems(parsed.error.issues, options);
      throw new IotIdsError(`invalid option for model "${model}": ${first.message}`, {
        kind: 'usage',
        location: { file: source, field: formatPath(['options', model, ...first.path]) },
      });
    }
  }
  return config;
}

/** Every combination × seed, in a stable order; ids are file-system safe and stable across resumes. */
export function expandGrid(
  config: ExperimentConfig,
  seeds: number,
  supportsTask: (dataset: string, task: TaskName) => boolean,
): { runs: GridRun[]; skipped: string[] } {
  const runs: GridRun[] = [];
  const skipped: string[] = [];
  for (const dataset of config.grid.dataset) {
    for (const task of config.grid.task) {
      if (!supportsTask(dataset, task)) {
        skipped.push(`${dataset} has no task "${task}"`);
        continue;
      }
      for (const protocol of config.grid.protocol) {
        for (const model of config.grid.model) {
          for (let seed = 1; seed <= seeds; seed++) {
            const safeDataset = dataset.replace(/[^A-Za-z0-9.-]+/g, '_');
            runs.push({
              id: `${safeDataset}__${task}__${protocol}__${model}__seed${seed}`,
              dataset,
              model,
              task,
              protocol,
              seed,
              modelOptions: config.options[model] ?? {},
            });
          }
        }
      }
    }
  }
  return { runs, skipped };
}
