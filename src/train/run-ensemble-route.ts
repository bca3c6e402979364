import { readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { loadLabelledSplit, type LabelledSplit } from '../data/labelled-split.js';
import { dataSearchPath } from '../data/locate.js';
import { resolveDataset } from '../data/registry.js';
import { IotIdsError } from '../errors.js';
import { describeProtocol, type AnomalyAlertsRecord, type MetricsFile } from '../evaluate/metrics-file.js';
import { computeSplitMetrics } from '../evaluate/split-metrics.js';
import { exists } from '../util/atomic-dir.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { silentProgress } from '../util/progress-reporter.js';
import { anomalyAlertsModelName, ROUTE_CRITERION, type AnomalyRouteConfig } from './anomaly-alerts-config.js';
import { binaryFigures } from './anomaly-rate-selection.js';
import {
  finalRoute,
  latoStage,
  parseRouteClassifier,
  readOfficialTests,
  routeName,
  routeSettings,
  validateRoute,
  type RouteSettings,
  type RouteSpec,
} from './ensemble-anomaly-route.js';
import type { ExperimentConfig } from './experiment-config.js';
import type { GridOutcome, GridRunOptions } from './run-grid.js';
import { chooseByAccuracyPlusF1 } from './unknown-attack-routes.js';

/** The file that marks a finished seed of a route (written last, atomically). */
const ROUTE_FILE = 'anomaly-alerts.json';

interface EnsembleRouteFile {
  formatVersion: 1;
  seed: number;
  route: AnomalyRouteConfig;
  rates: number[];
  metrics: { '5class': MetricsFile };
}

/**
 * compare's `anomalyAlerts.routes.5class`: for every dataset of the grid and every seed, the second-round
 * route of train/ensemble-anomaly-route.ts (the same stages bench/nsl5class-lato.ts runs) into
 * `<out>/runs/<dataset>__anomaly-alerts__official__<route>__seed<n>/`: the autoencoder (its folder
 * `autoencoder/`), the route's members and router on the leave-attack-type-out fit part, the rate chosen by
 * validation accuracy + macro-F1, then the final members on the training file less the validation normal
 * rows and the test files scored once. FCNN members take the config's `options.fcnn`, the forests their
 * defaults. One 5class run per seed, `<route>+anomaly-alerts`. A seed whose file matches the route and the
 * rates is kept; any other remains are redone. Any failure is an error, never a fallback.
 */
export async function runEnsembleRoutes(
  config: ExperimentConfig,
  options: GridRunOptions,
): Promise<GridOutcome[]> {
  const block = config.anomalyAlerts;
  const route = block?.routes?.['5class'];
  if (!block || !route) return [];
  const progress = options.progress ?? silentProgress;
  const runProgress = options.runProgress ?? silentProgress;
  const spec: RouteSpec = {
    classifier: parseRouteClassifier(route.classifier),
    router: route.router,
    score: route.score,
  };
  const name = anomalyAlertsModelName(routeName(spec));
  const modelOptions = { ...route, fcnn: config.options.fcnn ?? {}, rf: {} };
  const outcomes: GridOutcome[] = [];
  for (const datasetName of config.grid.dataset) {
    const dataset = await resolveDataset(datasetName);
    if (!dataset.tasks.includes('5class')) {
      throw new IotIdsError(`anomalyAlerts.routes.5class: dataset ${datasetName} has no 5class task`, {
        kind: 'usage',
      });
    }
    const loadOptions = { searchPath: dataSearchPath(options.dataDir), progress: runProgress };
    let settings: RouteSettings | undefined;
    let tests: LabelledSplit[] | undefined;
    const safeDataset = datasetName.replace(/[^A-Za-z0-9.-]+/g, '_');
    for (let seed = 1; seed <= options.seeds; seed++) {
      const dir = join(
        options.out,
        'runs',
        `${safeDataset}__anomaly-alerts__official__${routeName(spec)}__seed${seed}`,
      );
      const label = `${datasetName} ${name} seed ${seed}`;
      let file = await readFinished(dir, modelOptions, block.rates);
      const reused = file !== undefined;
      if (file) {
        progress.note(`${label}: already finished, kept`);
      } else {
        if (await exists(dir)) await rm(dir, { recursive: true, force: true });
        progress.note(`${label}: autoencoder, members on leave-attack-type-out validation, final`);
        settings ??= routeSettings({
          dataset,
          train: await loadLabelledSplit(
            dataset,
            config.trainSplit ?? dataset.official.train,
            '5class',
            loadOptions,
          ),
          log1p: config.log1p ?? false,
          fcnnOptions: config.options.fcnn ?? {},
          forestOptions: {},
          validationFraction: config.validationFraction ?? 0.1,
          detector: block.autoencoder,
          log: (message) => runProgress.note(message),
        });
        const metrics = await runSeed(settings, spec, seed, {
          dir,
          rates: block.rates,
          baseDir: options.out,
          modelName: name,
          modelOptions,
          log1p: config.log1p,
          readTests: async () => (tests ??= await readOfficialTests(dataset, loadOptions)),
        });
        file = { formatVersion: 1, seed, route, rates: block.rates, metrics: { '5class': metrics } };
        await writeJsonAtomic(join(dir, ROUTE_FILE), file);
        progress.note(
          `${label}: chose ${+(100 * (metrics.anomalyAlerts?.chosenRate ?? Number.NaN)).toFixed(2)} %`,
        );
      }
      outcomes.push({
        run: {
          id: `${safeDataset}__5class__official__${name}__seed${seed}`,
          dataset: datasetName,
          model: name,
          task: '5class',
          protocol: 'official',
          seed,
          modelOptions,
        },
        dir,
        metrics: file.metrics['5class'],
        reused,
      });
    }
  }
  return outcomes;
}

/** One seed: validation stage, chosen rate, final stage, its metrics.json. */
async function runSeed(
  settings: RouteSettings,
  spec: RouteSpec,
  seed: number,
  context: {
    dir: string;
    rates: number[];
    baseDir: string;
    modelName: string;
    modelOptions: Record<string, unknown>;
    log1p?: boolean;
    readTests: () => Promise<LabelledSplit[]>;
  },
): Promise<MetricsFile> {
  const { train, normalIndex, dataset } = settings;
  const aeDir = join(context.dir, 'autoencoder');
  const rates = context.rates;
  const stage = await latoStage(settings, seed, aeDir, { falsePositiveRate: rates[0] });
  let judged;
  try {
    judged = await validateRoute(settings, stage, spec, rates);
  } finally {
    stage.detector.dispose();
  }
  const chosen = chooseByAccuracyPlusF1(judged);
  settings.log(
    `seed ${seed}: chose rate ${chosen.falsePositiveRate} from ${rates.join(', ')} by validation accuracy + macro-F1`,
  );
  // The final stage reloads the saved autoencoder, as the bench's final phase does, so both score with the
  // same weights read from the same file.
  const selection = await latoStage(settings, seed, aeDir, { falsePositiveRate: rates[0], mustExist: true });
  let final;
  try {
    final = await finalRoute(settings, selection, spec, chosen.falsePositiveRate, context.readTests);
  } finally {
    selection.detector.dispose();
  }
  const classes = train.classes;
  const { parts } = stage;
  const fitNormalRows = parts.fit.y.filter((c) => c === normalIndex).length;
  const record: AnomalyAlertsRecord = {
    classifier: spec.classifier.name,
    route: { router: spec.router, score: spec.score },
    thresholdFrom: 'lato-validation',
    criterion: ROUTE_CRITERION,
    chosenRate: chosen.falsePositiveRate,
    threshold: final.threshold,
    candidates: judged.map((c) => ({
      rate: c.falsePositiveRate,
      threshold: c.threshold,
      ...binaryFigures(parts.validation.y, c.predicted, normalIndex),
      accuracy: c.figures.accuracy,
      macroF1: c.figures.macroF1,
    })),
    validationHeldOutAttackRows: stage.heldOut,
    validationNormalRows: final.heldNormalRows,
    autoencoder: {
      trainRows: fitNormalRows,
      epochs: stage.detector.info.epochsRun ?? 0,
      seconds: stage.autoencoderSeconds,
    },
    selectionRun: relative(context.baseDir, context.dir),
    finalRun: relative(context.baseDir, context.dir),
    falseAlarmRate: Object.fromEntries(
      final.splits.map((s) => [
        s.split.name,
        binaryFigures(s.split.y, s.predicted, normalIndex).falseAlarmRate,
      ]),
    ),
  };
  return {
    formatVersion: 1,
    dataset: dataset.name,
    task: '5class',
    protocol: 'official',
    protocolDescription: describeProtocol(
      'official',
      train.name,
      final.splits.map((s) => s.split.name),
    ),
    model: context.modelName,
    modelOptions: context.modelOptions,
    seed,
    classes,
    trainSplit: train.name,
    trainRows: final.trainRows,
    trainSeconds: stage.autoencoderSeconds + final.trainSeconds,
    cleaning: {
      splits: Object.fromEntries(
        [train, ...final.splits.map((s) => s.split)].map((split) => [split.name, split.cleaning]),
      ),
    },
    splits: Object.fromEntries(
      final.splits.map((s) => [
        s.split.name,
        computeSplitMetrics(
          classes,
          s.split.y,
          s.predicted,
          null,
          s.seconds > 0 ? s.split.y.length / s.seconds : 0,
        ),
      ]),
    ),
    createdAt: new Date().toISOString(),
    validation: {
      scheme: 'leave-attack-type-out',
      detail: parts.detail,
      rows: parts.validation.y.length,
      metrics: computeSplitMetrics(classes, parts.validation.y, chosen.predicted, null, 0),
    },
    ...(context.log1p === undefined ? {} : { log1p: context.log1p }),
    anomalyAlerts: record,
  };
}

/** A finished seed's file when it was made with this route, these member options and these rates. */
async function readFinished(
  dir: string,
  modelOptions: Record<string, unknown>,
  rates: readonly number[],
): Promise<EnsembleRouteFile | undefined> {
  const path = join(dir, ROUTE_FILE);
  if (!(await exists(path))) return undefined;
  try {
    const file = JSON.parse(await readFile(path, 'utf8')) as EnsembleRouteFile;
    const same =
      file.formatVersion === 1 &&
      JSON.stringify(file.metrics['5class'].modelOptions) === JSON.stringify(modelOptions) &&
      file.rates.join() === rates.join() &&
      file.metrics['5class'].anomalyAlerts?.criterion === ROUTE_CRITERION;
    return same ? file : undefined;
  } catch {
    return undefined;
  }
}
