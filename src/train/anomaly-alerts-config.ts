import { z } from 'zod';

import { IotIdsError } from '../errors.js';
import { anomalyDetectorOptionsSchema } from '../models/zero-day/anomaly-detector.js';
import { RATE_CRITERIA, type RateCriterion } from './anomaly-rate-selection.js';
import {
  ROUTE_CLASSIFIER_PATTERN,
  ROUTE_ROUTERS,
  ROUTE_SCORES,
  type RouteRouter,
  type RouteScore,
} from './ensemble-anomaly-route.js';

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
  criteria: Partial<Record<AnomalyAlertTask, AnomalyAlertCriterion>>;
  /**
   * A task run by the second-round route (train/ensemble-anomaly-route.ts) instead of the grid's classifier:
   * only `5class`, whose criterion must then be `accuracy+macro-f1`.
   */
  routes?: { '5class'?: AnomalyRouteConfig };
  /** Autoencoder options (layers, epochs, patience…); default: zero-day mode's. The seed is the run's. */
  autoencoder?: Record<string, unknown>;
}

/** The second-round route's rate criterion: validation accuracy + validation macro-F1. */
export const ROUTE_CRITERION = 'accuracy+macro-f1';
export type AnomalyAlertCriterion = RateCriterion | typeof ROUTE_CRITERION;

/** `anomalyAlerts.routes.5class`: ensemble classifier, router of anomalous rows, anomaly score. */
export interface AnomalyRouteConfig {
  /** `fcnn<k>` or `rf+fcnn<k>`: k FCNN seeds (options.fcnn) soft-voted, with a forest (defaults) half-weighted. */
  classifier: string;
  router: RouteRouter;
  score: RouteScore;
}

const routeSchema = z
  .object({
    classifier: z.string().regex(ROUTE_CLASSIFIER_PATTERN, {
      message: 'must be fcnn<k> or rf+fcnn<k> (k = 1–99 FCNN seeds), e.g. "rf+fcnn5"',
    }),
    router: z.enum(ROUTE_ROUTERS),
    score: z.enum(ROUTE_SCORES),
  })
  .strict();

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
      .object({ binary: z.enum(RATE_CRITERIA), '5class': z.enum([...RATE_CRITERIA, ROUTE_CRITERION]) })
      .partial()
      .strict()
      .refine((c) => Object.keys(c).length > 0, { message: 'must name at least one task (binary, 5class)' }),
    routes: z
      .object({
        '5class': routeSchema,
        binary: z.never({
          error: 'only "5class" takes a route (binary keeps the grid classifier + anomaly alerts)',
        }),
      })
      .partial()
      .strict()
      .optional(),
    autoencoder: anomalyDetectorOptionsSchema.optional(),
  })
  .strict()
  .superRefine((block, ctx) => {
    const routed = block.routes?.['5class'] !== undefined;
    const criterion = block.criteria['5class'];
    if (routed && criterion !== ROUTE_CRITERION) {
      ctx.addIssue({
        code: 'custom',
        path: ['criteria', '5class'],
        message: `must be "${ROUTE_CRITERION}" when routes.5class is given (the route's rate criterion), got ${criterion === undefined ? 'none' : `"${criterion}"`}`,
      });
    }
    if (!routed && criterion === ROUTE_CRITERION) {
      ctx.addIssue({
        code: 'custom',
        path: ['criteria', '5class'],
        message: `"${ROUTE_CRITERION}" is the criterion of routes.5class; give that route or use "accuracy"`,
      });
    }
  });

/**
 * What the rest of the config must allow: the route runs under the official protocol on built-in datasets,
 * and its validation rows are cut again from the training file as loaded, so deduplication (which changes
 * the training rows before the cut) is refused rather than silently giving other rows.
 */
export function checkAnomalyAlerts(
  config: {
    grid: { dataset: string[]; protocol: string[] };
    dedup?: unknown;
    dropFeatures?: unknown;
    validation?: unknown;
    anomalyAlerts?: AnomalyAlertsConfig;
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
  if (config.anomalyAlerts?.routes?.['5class']) {
    for (const field of ['dropFeatures', 'validation'] as const) {
      if (config[field] !== undefined) {
        fail(
          `routes.5class cannot be combined with ${field}: its members train on the whole feature set, validated on the leave-attack-type-out normal rows`,
          field,
        );
      }
    }
  }
}
