import { stat } from 'node:fs/promises';

import { loadLabelledSplit, subsetSplit, type LabelledSplit } from '../data/labelled-split.js';
import { rawLabelAt } from '../data/table.js';
import type { DatasetDefinition } from '../data/schema.js';
import { IotIdsError } from '../errors.js';
import { readWeights, type NamedWeights } from '../fit/weights-file.js';
import { scoresOf, type Classifier } from '../models/estimator.js';
import { modelDescriptor, parseModelOptions } from '../models/registry.js';
import { AnomalyDetector, type AnomalyDetectorOptions } from '../models/zero-day/anomaly-detector.js';
import { residualProfile } from '../models/zero-day/residual-profile.js';
import { thresholdAtFalsePositiveRate } from '../models/zero-day/threshold.js';
import { leaveAttackTypeOutSplit } from '../preprocess/attack-type-split.js';
import { createMatrix, takeRows, type Matrix } from '../preprocess/matrix.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { writeDirAtomic } from '../util/atomic-dir.js';
import { routeAnomalies } from '../models/zero-day/route-unknown.js';
import { heldOutAttackRows } from './anomaly-rate-selection.js';
import { validationSeed } from './run-training.js';
import {
  averageScores,
  doubtScores,
  fitDoubtScale,
  verdictFigures,
  type DoubtScale,
  type JudgedRate,
} from './unknown-attack-routes.js';
import { validationSplit } from './validation-split.js';

/**
 * The second-round 5-class route of issue 17 (docs/results.md "5-class route, second round"), shared by
 * bench/nsl5class-lato.ts and compare's `anomalyAlerts.routes`: an ensemble classifier (FCNN seeds, optionally
 * with a forest, soft voting), an anomaly score (the autoencoder's error, or error + the classifier's doubt)
 * and a router of anomalous classifier-normal rows (the classifier's nearest attack class, or a forest on
 * the autoencoder's per-feature residuals). Per seed:
 *
 * - `latoStage`: the leave-attack-type-out (LATO) cut of the training file, a pipeline fitted on its fit part,
 *   the autoencoder on the fit part's normal rows (the validation normal rows stop it and set its quantiles),
 *   saved in a folder and loaded from it when it already exists;
 * - members, router and `judgeRoute` on the validation rows: one rate per candidate is chosen there;
 * - `finalRoute`: the members and the router again, on the whole training file less the LATO validation
 *   normal rows, the threshold (and the doubt score's scale) set on those normal rows, then the test rows.
 */

export const ROUTE_ROUTERS = ['nearest', 'residual'] as const;
export const ROUTE_SCORES = ['error', 'doubt'] as const;
export type RouteRouter = (typeof ROUTE_ROUTERS)[number];
export type RouteScore = (typeof ROUTE_SCORES)[number];

/** `fcnn<k>` (k FCNN seeds, soft voting) or `rf+fcnn<k>` (a forest and those k averaged, half each). */
export const ROUTE_CLASSIFIER_PATTERN = /^(rf\+)?fcnn([1-9][0-9]?)$/;

export interface RouteClassifier {
  name: string;
  fcnnMembers: number;
  forest: boolean;
}

export interface RouteSpec {
  classifier: RouteClassifier;
  router: RouteRouter;
  score: RouteScore;
}

/** `rf+fcnn5` → five FCNN seeds and a forest. Throws on a name the pattern does not take. */
export function parseRouteClassifier(name: string): RouteClassifier {
  const match = ROUTE_CLASSIFIER_PATTERN.exec(name);
  if (!match) {
    throw new IotIdsError(
      `route classifier "${name}" is not fcnn<k> or rf+fcnn<k> (k = 1–99 FCNN seeds), e.g. "rf+fcnn5"`,
      { kind: 'usage' },
    );
  }
  return { name, fcnnMembers: Number(match[2]), forest: match[1] !== undefined };
}

/** The name a route's runs are recorded under, e.g. `rf+fcnn5-residual-doubt`. */
export function routeName(spec: RouteSpec): string {
  return `${spec.classifier.name}-${spec.router}-${spec.score}`;
}

/** FCNN member m of seed s trains with seed s + m × this. */
export const MEMBER_SEED_STEP = 1000;
const NORMAL = 'normal';

/** What every seed of the route shares. */
export interface RouteSettings {
  dataset: DatasetDefinition;
  /** The training file, 5class. */
  train: LabelledSplit;
  normalIndex: number;
  /** Heavy-tailed count columns through log1p before min-max (the dataset's `logColumns`). */
  log1p: boolean;
  fcnnOptions: Record<string, unknown>;
  forestOptions: Record<string, unknown>;
  /** Share of the training rows in the LATO validation cut. */
  validationFraction: number;
  detector?: Partial<Omit<AnomalyDetectorOptions, 'seed'>>;
  log: (message: string) => void;
}

/** The settings above for a loaded training file (its classes must include `normal`). */
export function routeSettings(input: Omit<RouteSettings, 'normalIndex'>): RouteSettings {
  const normalIndex = input.train.classes.indexOf(NORMAL);
  if (normalIndex < 0) throw new IotIdsError(`${input.train.name} has no class "${NORMAL}"`);
  return { ...input, normalIndex };
}

function fitPipeline(settings: RouteSettings, part: LabelledSplit): FeaturePipeline {
  const log1pColumns = settings.log1p ? (settings.dataset.schema.logColumns ?? []) : [];
  return new FeaturePipeline({ log1pColumns }).fit(part.table);
}

async function fitModel(
  kind: string,
  options: Record<string, unknown>,
  seed: number,
  x: Matrix,
  y: Int32Array,
  nClasses: number,
  validation?: { x: Matrix; y: Int32Array },
): Promise<Classifier> {
  const model = modelDescriptor(kind).create(parseModelOptions(kind, options, kind), seed);
  await model.fit(x, y, { nClasses, validation });
  return model;
}

function seconds(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(0);
}

function normalRowsOf(settings: RouteSettings, split: LabelledSplit): Int32Array {
  return Int32Array.from(Array.from(split.y.keys()).filter((i) => split.y[i] === settings.normalIndex));
}

/** The scores of one seed's members on one set of rows. */
export interface MemberScores {
  fcnn: Matrix[];
  forest?: Matrix;
}

/** `fcnn` FCNN seeds (and a forest when asked) fitted on `fitX`; their scores on each of `scoreOn`. */
export async function memberScores(
  settings: RouteSettings,
  seed: number,
  members: { fcnn: number; forest: boolean },
  fit: { x: Matrix; y: Int32Array },
  validation: { x: Matrix; y: Int32Array },
  scoreOn: readonly Matrix[],
): Promise<MemberScores[]> {
  const nClasses = settings.train.classes.length;
  const out: MemberScores[] = scoreOn.map(() => ({ fcnn: [] }));
  for (let m = 0; m < members.fcnn; m++) {
    const started = performance.now();
    const memberSeed = seed + m * MEMBER_SEED_STEP;
    const model = await fitModel(
      'fcnn',
      settings.fcnnOptions,
      memberSeed,
      fit.x,
      fit.y,
      nClasses,
      validation,
    );
    try {
      for (const [i, x] of scoreOn.entries()) out[i].fcnn.push(await scoresOf(model, x));
    } finally {
      await model.dispose();
    }
    settings.log(`seed ${seed}: fcnn member ${m + 1}/${members.fcnn} in ${seconds(started)} s`);
  }
  if (members.forest) {
    const started = performance.now();
    const forest = await fitModel('rf', settings.forestOptions, seed, fit.x, fit.y, nClasses);
    try {
      for (const [i, x] of scoreOn.entries()) out[i].forest = await scoresOf(forest, x);
    } finally {
      await forest.dispose();
    }
    settings.log(`seed ${seed}: forest in ${seconds(started)} s`);
  }
  return out;
}

/** The ensemble's scores: the mean of its first k FCNNs, averaged half and half with the forest's. */
export function ensembleScores(classifier: RouteClassifier, members: MemberScores): Matrix {
  if (members.fcnn.length < classifier.fcnnMembers) {
    throw new IotIdsError(
      `${classifier.name} needs ${classifier.fcnnMembers} FCNN members, ${members.fcnn.length} were trained`,
    );
  }
  const fcnn = members.fcnn.slice(0, classifier.fcnnMembers);
  const ensemble = fcnn.length === 1 ? fcnn[0] : averageScores(fcnn);
  if (!classifier.forest) return ensemble;
  if (!members.forest) throw new IotIdsError(`${classifier.name} needs a forest, none was trained`);
  return averageScores([members.forest, ensemble]);
}

/** One seed's LATO cut, pipeline and autoencoder (see the module comment). */
export interface LatoStage {
  seed: number;
  parts: ReturnType<typeof validationSplit>;
  /** Validation attack rows of types the fit part lacks. */
  heldOut: number;
  pipeline: FeaturePipeline;
  fitX: Matrix;
  validationX: Matrix;
  detector: AnomalyDetector;
  /** The autoencoder's weights, for residual profiles. */
  weights: NamedWeights;
  /** Seconds the autoencoder trained (0 when it was loaded). */
  autoencoderSeconds: number;
}

/**
 * The LATO stage of `seed`, its autoencoder in `aeDir`: loaded when the folder exists, else trained and saved
 * there (or, with `mustExist`, an error: the final phase of the bench never trains one). `falsePositiveRate`
 * only sets the threshold saved with the autoencoder; the route sets its own.
 */
export async function latoStage(
  settings: RouteSettings,
  seed: number,
  aeDir: string,
  options: { falsePositiveRate: number; mustExist?: boolean },
): Promise<LatoStage> {
  const { train, normalIndex } = settings;
  const parts = validationSplit(
    train,
    'leave-attack-type-out',
    settings.validationFraction,
    validationSeed(seed),
  );
  const labelsOf = (split: LabelledSplit): string[] =>
    Array.from({ length: split.table.nRows }, (_, i) => rawLabelAt(split.table, i));
  const heldOut = heldOutAttackRows({
    fitLabels: labelsOf(parts.fit),
    validationLabels: labelsOf(parts.validation),
    validationY: parts.validation.y,
    normalIndex,
    what: `the validation rows of seed ${seed} (${parts.detail})`,
  });
  const pipeline = fitPipeline(settings, parts.fit);
  const fitX = pipeline.transform(parts.fit.table).x;
  const validationX = pipeline.transform(parts.validation.table).x;
  const exists = await stat(aeDir).then(
    () => true,
    () => false,
  );
  let detector: AnomalyDetector;
  let autoencoderSeconds = 0;
  if (exists) {
    detector = await AnomalyDetector.load(aeDir);
  } else {
    if (options.mustExist)
      throw new IotIdsError(`no autoencoder at ${aeDir}: run the validation stage first`);
    const started = performance.now();
    detector = new AnomalyDetector({ ...settings.detector, seed });
    await detector.fit(takeRows(fitX, normalRowsOf(settings, parts.fit)), {
      validation: takeRows(validationX, normalRowsOf(settings, parts.validation)),
      falsePositiveRate: options.falsePositiveRate,
    });
    autoencoderSeconds = (performance.now() - started) / 1000;
    settings.log(`seed ${seed}: autoencoder ${detector.info.epochsRun} epochs in ${seconds(started)} s`);
    await writeDirAtomic(aeDir, (temp) => detector.save(temp));
  }
  const weights = await readWeights(aeDir, 'autoencoder');
  return { seed, parts, heldOut, pipeline, fitX, validationX, detector, weights, autoencoderSeconds };
}

/** A forest from the residual profiles of attack rows to their attack class, scores widened to every class. */
export async function residualRouterScores(
  settings: RouteSettings,
  seed: number,
  profiles: Matrix,
  y: Int32Array,
  scoreOn: readonly Matrix[],
): Promise<Matrix[]> {
  const { train, normalIndex } = settings;
  const attackRows = Array.from(y.keys()).filter((i) => y[i] !== normalIndex);
  const attackClasses = train.classes.map((_, c) => c).filter((c) => c !== normalIndex);
  const routerY = Int32Array.from(attackRows, (i) => attackClasses.indexOf(y[i]));
  const started = performance.now();
  const router = await fitModel(
    'rf',
    settings.forestOptions,
    seed,
    takeRows(profiles, attackRows),
    routerY,
    attackClasses.length,
  );
  const out: Matrix[] = [];
  try {
    for (const x of scoreOn) {
      const narrow = await scoresOf(router, x);
      const wide = createMatrix(x.rows, train.classes.length);
      for (let i = 0; i < x.rows; i++) {
        attackClasses.forEach((c, j) => {
          wide.data[i * wide.cols + c] = narrow.data[i * narrow.cols + j];
        });
      }
      out.push(wide);
    }
  } finally {
    await router.dispose();
  }
  settings.log(`seed ${seed}: residual router on ${attackRows.length} attack rows in ${seconds(started)} s`);
  return out;
}

function takeValues(values: Float32Array, rows: Int32Array): Float32Array {
  return Float32Array.from(rows, (i) => values[i]);
}

/** A candidate rate on the validation rows, with its threshold and verdicts. */
export interface RouteRate extends JudgedRate {
  threshold: number;
  predicted: Int32Array;
}

/**
 * Every rate of one candidate on labelled rows `y`: the anomaly score (error, or doubt scaled on the rows'
 * normal rows `normalRows`), its threshold at each rate on those normal rows, the routed verdicts.
 * `routeScores` undefined: the nearest attack class by the classifier's own scores.
 */
export function judgeRoute(input: {
  settings: RouteSettings;
  score: RouteScore;
  y: Int32Array;
  scores: Matrix;
  errors: Float32Array;
  normalRows: Int32Array;
  routeScores?: Matrix;
  rates: readonly number[];
}): RouteRate[] {
  const { settings, y, scores, errors, normalRows, rates } = input;
  const { normalIndex } = settings;
  const anomalyScore =
    input.score === 'doubt'
      ? doubtScores(
          errors,
          scores,
          normalIndex,
          fitDoubtScale(takeValues(errors, normalRows), takeRows(scores, normalRows), normalIndex),
        )
      : errors;
  const normalScores = takeValues(anomalyScore, normalRows);
  return rates.map((rate) => {
    const threshold = thresholdAtFalsePositiveRate(normalScores, rate);
    const anomalous = Uint8Array.from(anomalyScore, (s) => (s > threshold ? 1 : 0));
    const predicted = routeAnomalies(scores, anomalous, normalIndex, input.routeScores ?? scores);
    return {
      falsePositiveRate: rate,
      threshold,
      predicted,
      figures: verdictFigures(y, predicted, settings.train.classes.length, normalIndex),
    };
  });
}

/** The validation stage of one candidate: its members and router on the LATO fit part, every rate judged. */
export async function validateRoute(
  settings: RouteSettings,
  stage: LatoStage,
  spec: RouteSpec,
  rates: readonly number[],
): Promise<RouteRate[]> {
  const { parts, fitX, validationX, detector, weights, seed } = stage;
  const validation = { x: validationX, y: parts.validation.y };
  const members = { fcnn: spec.classifier.fcnnMembers, forest: spec.classifier.forest };
  const [scored] = await memberScores(settings, seed, members, { x: fitX, y: parts.fit.y }, validation, [
    validationX,
  ]);
  const routeScores =
    spec.router === 'residual'
      ? (
          await residualRouterScores(settings, seed, residualProfile(weights, fitX), parts.fit.y, [
            residualProfile(weights, validationX),
          ])
        )[0]
      : undefined;
  return judgeRoute({
    settings,
    score: spec.score,
    y: parts.validation.y,
    scores: ensembleScores(spec.classifier, scored),
    errors: await detector.score(validationX),
    normalRows: normalRowsOf(settings, parts.validation),
    routeScores,
    rates,
  });
}

/** One test split under the final route. */
export interface FinalRouteSplit {
  split: LabelledSplit;
  /** The classifier's arg-max alone, and the route's verdicts. */
  alone: Int32Array;
  predicted: Int32Array;
  /** Wall seconds of scoring the split (members and router fitted beforehand). */
  seconds: number;
}

export interface FinalRoute {
  threshold: number;
  doubtScale?: DoubtScale;
  /** Training rows of the final members: the training file less the LATO validation normal rows. */
  trainRows: number;
  /** The LATO validation normal rows the threshold is set on. */
  heldNormalRows: number;
  trainSeconds: number;
  splits: FinalRouteSplit[];
}

/**
 * The final stage at the chosen `rate`: members (and router) trained on the whole training file less the
 * LATO validation normal rows — every attack row, the held-out types included. Those normal rows were seen
 * by neither the autoencoder nor the final members, so the threshold and the doubt scale are set on them.
 * `readTests` is called only after everything is trained: the test files are read once, last.
 */
export async function finalRoute(
  settings: RouteSettings,
  selection: LatoStage,
  spec: RouteSpec,
  rate: number,
  readTests: (held: LabelledSplit) => Promise<LabelledSplit[]>,
): Promise<FinalRoute> {
  const { train, normalIndex } = settings;
  const seed = selection.seed;
  const trainStarted = performance.now();
  const split = leaveAttackTypeOutSplit(
    train.y,
    train.table.label.codes,
    train.table.label.categories,
    train.classes,
    settings.validationFraction,
    validationSeed(seed),
  );
  const heldRows = split.test.filter((i) => train.y[i] === normalIndex);
  const heldSet = new Set(heldRows);
  const fitRows = Int32Array.from(Array.from(train.y.keys()).filter((i) => !heldSet.has(i)));
  const fitPart = subsetSplit(train, fitRows, train.name);
  const heldPart = subsetSplit(train, heldRows, `${train.name} (validation normal rows)`);
  const pipeline = fitPipeline(settings, fitPart);
  const fitX = pipeline.transform(fitPart.table).x;
  const heldX = pipeline.transform(heldPart.table).x;
  const heldErrors = await selection.detector.score(selection.pipeline.transform(heldPart.table).x);
  if (heldErrors.length !== selection.detector.getValidationErrors().length) {
    throw new IotIdsError(`seed ${seed}: the held normal rows are not the autoencoder's validation rows`);
  }
  const tests = await readTests(heldPart);
  const testX = tests.map((t) => pipeline.transform(t.table).x);
  const testAeX = tests.map((t) => selection.pipeline.transform(t.table).x);
  const members = { fcnn: spec.classifier.fcnnMembers, forest: spec.classifier.forest };
  const scored = await memberScores(
    settings,
    seed,
    members,
    { x: fitX, y: fitPart.y },
    { x: heldX, y: heldPart.y },
    [heldX, ...testX],
  );
  const heldScores = ensembleScores(spec.classifier, scored[0]);
  const routeScores =
    spec.router === 'residual'
      ? await residualRouterScores(
          settings,
          seed,
          residualProfile(selection.weights, selection.pipeline.transform(fitPart.table).x),
          fitPart.y,
          testAeX.map((x) => residualProfile(selection.weights, x)),
        )
      : undefined;
  let threshold = thresholdAtFalsePositiveRate(heldErrors, rate);
  let doubtScale: DoubtScale | undefined;
  if (spec.score === 'doubt') {
    doubtScale = fitDoubtScale(heldErrors, heldScores, normalIndex);
    threshold = thresholdAtFalsePositiveRate(
      doubtScores(heldErrors, heldScores, normalIndex, doubtScale),
      rate,
    );
  }
  const trainSeconds = (performance.now() - trainStarted) / 1000;
  const splits: FinalRouteSplit[] = [];
  for (const [t, test] of tests.entries()) {
    const started = performance.now();
    const scores = ensembleScores(spec.classifier, scored[t + 1]);
    const errors = await selection.detector.score(testAeX[t]);
    const score = doubtScale ? doubtScores(errors, scores, normalIndex, doubtScale) : errors;
    const anomalous = Uint8Array.from(score, (s) => (s > threshold ? 1 : 0));
    splits.push({
      split: test,
      alone: routeAnomalies(scores, new Uint8Array(test.y.length), normalIndex),
      predicted: routeAnomalies(scores, anomalous, normalIndex, routeScores ? routeScores[t] : scores),
      seconds: (performance.now() - started) / 1000,
    });
  }
  return {
    threshold,
    doubtScale,
    trainRows: fitRows.length,
    heldNormalRows: heldRows.length,
    trainSeconds,
    splits,
  };
}

/** The dataset's official test splits, 5class, read with `loadOptions`. */
export async function readOfficialTests(
  dataset: DatasetDefinition,
  loadOptions: Parameters<typeof loadLabelledSplit>[3],
): Promise<LabelledSplit[]> {
  return Promise.all(
    dataset.official.tests.map((name) => loadLabelledSplit(dataset, name, '5class', loadOptions)),
  );
}
