import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveDataset } from '../data/registry.js';
import type { TaskName } from '../data/schema.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import { exists } from '../util/atomic-dir.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import { expandGrid, type ExperimentConfig, type GridRun } from './experiment-config.js';
import { runAnomalyAlerts } from './run-anomaly-alerts.js';
import { runTraining } from './run-training.js';

export interface GridOutcome {
  run: GridRun;
  dir: string;
  metrics: MetricsFile;
  /** True when the run was already complete from an earlier, interrupted compare. */
  reused: boolean;
}

/** How a compare runs its grid and the routes beside it: seeds, output folder, data and progress. */
export interface GridRunOptions {
  seeds: number;
  out: string;
  dataDir?: string;
  progress?: ProgressReporter;
  runProgress?: ProgressReporter;
}

/**
 * Runs every grid cell × seed into `<out>/runs/<id>`, then the config's `anomalyAlerts` route, if any
 * (train/run-anomaly-alerts.ts). A run counts as finished when its metrics.json exists
 * (it is written last, atomically); anything else in its folder is the remains of an interrupted run and is
 * redone from scratch.
 */
export async function runGrid(
  config: ExperimentConfig,
  options: GridRunOptions,
): Promise<{ outcomes: GridOutcome[]; skipped: string[]; trainingSeconds: number }> {
  const progress = options.progress ?? silentProgress;
  const supports = new Map<string, readonly TaskName[]>();
  for (const dataset of config.grid.dataset) supports.set(dataset, (await resolveDataset(dataset)).tasks);
  const { runs, skipped } = expandGrid(
    config,
    options.seeds,
    (d, t) => supports.get(d)?.includes(t) ?? false,
  );
  for (const s of skipped) progress.note(`skipped: ${s}`);

  const outcomes: GridOutcome[] = [];
  const started = performance.now();
  for (const [i, run] of runs.entries()) {
    const dir = join(options.out, 'runs', run.id);
    const finished = await readFinishedMetrics(dir);
    if (finished) {
      outcomes.push({ run, dir, metrics: finished, reused: true });
      progress.note(`[${i + 1}/${runs.length}] ${run.id}: already finished, kept`);
      continue;
    }
    if (await exists(dir)) await rm(dir, { recursive: true, force: true });
    progress.note(`[${i + 1}/${runs.length}] ${run.id}`);
    const { metrics } = await runTraining(
      {
        dataset: run.dataset,
        task: run.task,
        protocol: run.protocol,
        model: run.model,
        modelOptions: run.modelOptions,
        seed: run.seed,
        out: dir,
        dataDir: options.dataDir,
        trainSplit: config.trainSplit,
        dedup: config.dedup,
        log1p: config.log1p,
        dropFeatures: config.dropFeatures,
        validation: config.validation,
        validationFraction: config.validationFraction,
        testFraction: config.testFraction,
        timeSplitBy: config.timeSplitBy,
      },
      options.runProgress ?? silentProgress,
    );
    outcomes.push({ run, dir, metrics, reused: false });
  }
  // After the grid: its official 5class runs are the route's final classifiers.
  outcomes.push(...(await runAnomalyAlerts(config, { ...options, gridOutcomes: [...outcomes] })));
  return { outcomes, skipped, trainingSeconds: (performance.now() - started) / 1000 };
}

async function readFinishedMetrics(dir: string): Promise<MetricsFile | undefined> {
  const path = join(dir, 'metrics.json');
  if (!(await exists(path))) return undefined;
  try {
    const metrics = JSON.parse(await readFile(path, 'utf8')) as MetricsFile;
    return metrics.formatVersion === 1 && metrics.splits ? metrics : undefined;
  } catch {
    return undefined;
  }
}
