import { z } from 'zod';

import { IotIdsError } from '../errors.js';
import { anomalyDetectorOptionsSchema } from '../models/zero-day/anomaly-detector.js';
import { RATE_CRITERIA, type RateCriterion } from './anomaly-rate-selection.js';

/**
 * The tasks the classifier + anomaly alerts route reports. Its classifier is always trained on `5class`:
 * binary verdicts are "attack when the classifier names an attack class or the autoencoder alerts", 5class
 * verdicts route an alert on a classifier-normal row to the most probable attack class.
 */
export const ANOMALY_ALERT_TASKS = ['binary', '5class'] as const;
export type AnomalyAlertTask = (typeof ANOMALY_ALERT_TASKS)[number];

/**
 * `anomalyAlerts` in a compare config: besides the grid, each of its models (on each dataset, official
 * protocol) runs with the zero-day autoencoder beside it, the anomaly threshold chosen per seed and task
 * on leave-attack-type-out validation rows of the training file (train/evaluate-zero-day-selected.ts).
 */
export interface AnomalyAlertsConfig {
  /** Where the threshold comes from; only `lato-validation` (chosen on held-out attack types). */
  thresholdFrom: 'lato-validation';
  /** Candidate shares of validation normal rows above the threshold, e.g. [0.01, 0.02, 0.05, 0.1]. */
  rates: number[];
  /** The tasks reported and what each one's rate is chosen by, fixed before any run. */
  criteria: Partial<Record<AnomalyAlertTask, RateCriterion>>;
  /** Autoencoder options (layers, epochs, patience…); default: zero-day mode's. The seed is the run's. */
  autoencoder?: Record<string, unknown>;
}

/** The model name the route's runs are recorded under: `fcnn+anomaly-alerts`. */
export function anomalyAlertsModelName(model: string): string {
  return `${model}+anomaly-alerts`;
}

export const anomalyAlertsSchema = z
  .object({
    thresholdFrom: z.literal('lato-validation', {
      message:
        'must be "lato-validation" (rates fixed beforehand are a bench command: bench/zero-day.ts --evaluate)',
    }),
    rates: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .refine((rates) => new Set(rates).size === rates.length, { message: 'must not repeat a rate' }),
    criteria: z
      .object({ binary: z.enum(RATE_CRITERIA), '5class': z.enum(RATE_CRITERIA) })
      .partial()
      .strict()
      .refine((c) => Object.keys(c).length > 0, { message: 'must name at least one task (binary, 5class)' }),
    autoencoder: anomalyDetectorOptionsSchema.optional(),
  })
  .strict();

/**
 * What the rest of the config must allow: the route runs under the official protocol on built-in datasets,
 * and its validation rows are cut again from the training file as loaded, so deduplication (which changes
 * the training rows before the cut) is refused rather than silently giving other rows.
 */
export function checkAnomalyAlerts(
  config: {
    grid: { dataset: string[]; protocol: string[] };
    dedup?: unknown;
  },
  source: string,
): void {
  const fail = (message: string, field: string): never => {
    throw new IotIdsError(`anomalyAlerts: ${message}`, { kind: 'usage', location: { file: source, field } });
  };
  if (!config.grid.protocol.includes('official')) {
    fail('the route runs under the official protocol; add "official" to grid.protocol', 'grid.protocol');
  }
  const file = config.grid.dataset.find((d) => d.endsWith('.json'));
  if (file !== undefined) {
    fail(`needs a built-in dataset with a 5class task, not the schema file ${file}`, 'grid.dataset');
  }
  if (config.dedup !== undefined && config.dedup !== false) {
    fail(
      'cannot be combined with dedup: the validation rows are cut again from the training file as loaded',
      'dedup',
    );
  }
}
