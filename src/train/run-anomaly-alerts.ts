import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { resolveDataset } from '../data/registry.js';
import { IotIdsError } from '../errors.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import { exists } from '../util/atomic-dir.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { silentProgress } from '../util/progress-reporter.js';
import {
  ANOMALY_ALERT_TASKS,
  anomalyAlertsModelName,
  type AnomalyAlertTask,
} from './anomaly-alerts-config.js';
import { anomalyAlertsMetrics } from './anomaly-alerts-metrics.js';
import type { RateCriterion } from './anomaly-rate-selection.js';
import {
  evaluateZeroDaySelectedSeed,
  prepareZeroDaySelected,
  type ZeroDaySelectedContext,
} from './evaluate-zero-day-selected.js';
import type { ExperimentConfig } from './experiment-config.js';
import { runEnsembleRoutes } from './run-ensemble-route.js';
import type { GridOutcome, GridRunOptions } from './run-grid.js';

/** The file that marks a finished seed of the route (written last, atomically). */
export const ANOMALY_ALERTS_FILE = 'anomaly-alerts.json';

interface RouteFile {
  formatVersion: 1;
  seed: number;
  metrics: Partial<Record<AnomalyAlertTask, MetricsFile>>;
}

/**
 * compare's `anomalyAlerts` route: for every dataset × model of the grid and every seed, the protocol of
 * train/evaluate-zero-day-selected.ts (selection classifier on leave-attack-type-out validation, the
 * autoencoder, each task's rate chosen on validation rows only, the final classifier, the test files read
 * once), into `<out>/runs/<dataset>__anomaly-alerts__official__<model>__seed<n>/`. The final classifier is
 * the grid's own official 5class run of that model and seed when the grid has one (same settings), else it is
 * trained there. A task with a route of its own (`routes.5class`) is left to train/run-ensemble-route.ts,
 * whose runs follow these. Each task becomes one run, `<model>+anomaly-alerts`, for results.json. A seed whose
 * anomaly-alerts.json exists is kept; any other remains are redone. Any failure is an error: a seed never
 * falls back to the classifier alone or to another threshold.
 */
export async function runAnomalyAlerts(
  config: ExperimentConfig,
  options: GridRunOptions & {
    /** The grid's finished runs, whose official 5class runs serve as final classifiers. */
    gridOutcomes: readonly GridOutcome[];
  },
): Promise<GridOutcome[]> {
  const route = config.anomalyAlerts;
  if (!route) return [];
  const progress = options.progress ?? silentProgress;
  // A task with a route of its own (routes.5class) runs in train/run-ensemble-route.ts, after this loop.
  const tasks = ANOMALY_ALERT_TASKS.filter(
    (t) => route.criteria[t] !== undefined && (t === 'binary' || !route.routes?.['5class']),
  );
  const criteria = Object.fromEntries(tasks.map((t) => [t, route.criteria[t] as RateCriterion]));
  const outcomes: GridOutcome[] = [];
  for (const datasetName of tasks.length === 0 ? [] : config.grid.dataset) {
    const dataset = await resolveDataset(datasetName);
    const lacking = ['5class', ...tasks].filter((t) => !dataset.tasks.includes(t as never));
    if (lacking.length > 0) {
      throw new IotIdsError(
        `anomalyAlerts: dataset ${datasetName} has no task ${lacking.join(', ')}; the route trains a 5class classifier and reports ${tasks.join(', ')}`,
        { kind: 'usage' },
      );
    }
    for (const model of config.grid.model) {
      let context: ZeroDaySelectedContext | undefined;
      for (let seed = 1; seed <= options.seeds; seed++) {
        const safeDataset = datasetName.replace(/[^A-Za-z0-9.-]+/g, '_');
        const dir = join(
          options.out,
          'runs',
          `${safeDataset}__anomaly-alerts__official__${model}__seed${seed}`,
        );
        const label = `${datasetName} ${anomalyAlertsModelName(model)} seed ${seed}`;
        let file = await readFinished(dir, criteria, route.rates);
        const reused = file !== undefined;
        if (file) {
          progress.note(`${label}: already finished, kept`);
        } else {
          if (await exists(dir)) await rm(dir, { recursive: true, force: true });
          progress.note(`${label}: selection on leave-attack-type-out validation, autoencoder, final`);
          context ??= await prepareZeroDaySelected({
            workDir: options.out,
            dataset: datasetName,
            dataDir: options.dataDir,
            rates: route.rates,
            trainSplit: config.trainSplit,
            validationFraction: config.validationFraction,
            classifier: {
              model,
              modelOptions: config.options[model] ?? {},
              log1p: config.log1p,
              dropFeatures: config.dropFeatures,
              validation: config.validation,
            },
            detector: route.autoencoder,
            progress: options.runProgress ?? silentProgress,
          });
          const gridRun = options.gridOutcomes.find(
            (o) =>
              o.run.dataset === datasetName &&
              o.run.task === '5class' &&
              o.run.protocol === 'official' &&
              o.run.model === model &&
              o.run.seed === seed,
          );
          const outcome = await evaluateZeroDaySelectedSeed(context, seed, {
            selection: join(dir, 'selection'),
            final: join(dir, 'final'),
            finalRunDir: gridRun?.dir,
          });
          const metrics = Object.fromEntries(
            tasks.map((task) => {
              return [task, anomalyAlertsMetrics(outcome, task, criteria[task], options.out)];
            }),
          );
          file = { formatVersion: 1, seed, metrics };
          await writeJsonAtomic(join(dir, ANOMALY_ALERTS_FILE), file);
          progress.note(
            `${label}: chose ${tasks.map((t) => `${t} ${percent(metrics[t].anomalyAlerts?.chosenRate)}`).join(', ')}`,
          );
        }
        for (const task of tasks) {
          const metrics = file.metrics[task] as MetricsFile;
          const name = anomalyAlertsModelName(model);
          outcomes.push({
            run: {
              id: `${safeDataset}__${task}__official__${name}__seed${seed}`,
              dataset: datasetName,
              model: name,
              task,
              protocol: 'official',
              seed,
              modelOptions: config.options[model] ?? {},
            },
            dir,
            metrics,
            reused,
          });
        }
      }
    }
  }
  outcomes.push(...(await runEnsembleRoutes(config, options)));
  return outcomes;
}

/**
 * A finished seed's file, when it was made with these candidate rates and holds every task asked for with
 * its criterion (a config that changed either redoes the seed).
 */
async function readFinished(
  dir: string,
  criteria: Partial<Record<AnomalyAlertTask, string>>,
  rates: readonly number[],
): Promise<RouteFile | undefined> {
  const path = join(dir, ANOMALY_ALERTS_FILE);
  if (!(await exists(path))) return undefined;
  try {
    const file = JSON.parse(await readFile(path, 'utf8')) as RouteFile;
    const matches = (task: AnomalyAlertTask, criterion: string | undefined): boolean => {
      const record = file.metrics[task]?.anomalyAlerts;
      return (
        criterion === undefined ||
        (record?.criterion === criterion && record.candidates.map((c) => c.rate).join() === rates.join())
      );
    };
    const complete = file.formatVersion === 1 && ANOMALY_ALERT_TASKS.every((t) => matches(t, criteria[t]));
    return complete ? file : undefined;
  } catch {
    return undefined;
  }
}

function percent(rate: number | undefined): string {
  return rate === undefined ? '?' : `${+(rate * 100).toFixed(2)} %`;
}
