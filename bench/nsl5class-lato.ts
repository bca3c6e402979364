/**
 * Issue 17, NSL-KDD 5class: the "classifier + anomaly alerts" route with other classifiers, routers and
 * anomaly scores, CHOSEN on leave-attack-type-out (LATO) validation rows of KDDTrain+ (docs/results.md,
 * "5-class route, second round"). Two phases:
 *
 *   # validation only: no test file is read
 *   node --import tsx bench/nsl5class-lato.ts --phase validate --seeds 1,2 --out /tmp/nsl5class
 *   # the chosen candidate, test files read once per seed, at the rates validation chose
 *   node --import tsx bench/nsl5class-lato.ts --phase final --seeds 1,2,3,4,5 --out /tmp/nsl5class \
 *     --candidate fcnn5/nearest/error
 *
 * Per seed the validate phase trains, on the LATO fit part only: five FCNNs (honest-best's configuration,
 * seeds s, s+1000, …), a forest (defaults), the autoencoder (normal fit rows; validation normal rows stop it
 * and set its quantiles; cached in <out>/ae-seed-s and reused by the final phase, as in
 * train/evaluate-zero-day-selected.ts) and a router (forest, defaults) from the autoencoder's residual
 * profile x − x̂ of the fit part's attack rows to their attack class. Every candidate — classifier
 * (fcnn1 | fcnn5 | rf+fcnn5) × route (nearest | residual) × anomaly score (error | doubt) — is scored on the
 * validation rows at every rate of --rates; <out>/validate-seed-s.json keeps it all.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { loadLabelledSplit, subsetSplit, type LabelledSplit } from '../src/data/labelled-split.js';
import { dataSearchPath } from '../src/data/locate.js';
import { resolveDataset } from '../src/data/registry.js';
import { rawLabelAt } from '../src/data/table.js';
import { IotIdsError } from '../src/errors.js';
import { readWeights } from '../src/fit/weights-file.js';
import { scoresOf, type Classifier } from '../src/models/estimator.js';
import { modelDescriptor, parseModelOptions } from '../src/models/registry.js';
import { AnomalyDetector } from '../src/models/zero-day/anomaly-detector.js';
import { residualProfile } from '../src/models/zero-day/residual-profile.js';
import { thresholdAtFalsePositiveRate } from '../src/models/zero-day/threshold.js';
import { createMatrix, takeRows, type Matrix } from '../src/preprocess/matrix.js';
import { leaveAttackTypeOutSplit } from '../src/preprocess/attack-type-split.js';
import { FeaturePipeline } from '../src/preprocess/pipeline.js';
import { heldOutAttackRows } from '../src/train/anomaly-rate-selection.js';
import { validationSeed } from '../src/train/run-training.js';
import {
  averageScores,
  chooseByAccuracyPlusF1,
  doubtScores,
  fitDoubtScale,
  routeAnomalies,
  verdictFigures,
  type VerdictFigures,
} from '../src/train/unknown-attack-routes.js';
import { validationSplit } from '../src/train/validation-split.js';
import { writeDirAtomic } from '../src/util/atomic-dir.js';
import { writeJsonAtomic } from '../src/util/atomic-write.js';
import { silentProgress } from '../src/util/progress-reporter.js';
import { benchDataDir } from './lib/nsl-kdd-matrices.js';

const { values: args } = parseArgs({
  options: {
    phase: { type: 'string', default: 'validate' },
    seeds: { type: 'string', default: '1,2' },
    out: { type: 'string', default: '/tmp/nsl5class' },
    rates: { type: 'string', default: '1,2,5,10' },
    members: { type: 'string', default: '5' },
    candidate: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});

/** honest-best's FCNN (experiments/honest-best.json), with log1p in the pipeline. */
const FCNN_OPTIONS = { classWeight: 'balanced', classWeightPower: 0.5, classWeightMax: 50, epochs: 1 };
const MEMBER_SEED_STEP = 1000;
const NORMAL = 'normal';
const CLASSIFIERS = ['fcnn1', 'fcnn5', 'rf+fcnn5'] as const;
const ROUTES = ['nearest', 'residual'] as const;
const ANOMALY_SCORES = ['error', 'doubt'] as const;

const seeds = args.seeds.split(',').map(Number);
const rates = args.rates.split(',').map((r) => Number(r) / 100);
const nMembers = Number(args.members);
const log = (message: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

const dataset = await resolveDataset('nsl-kdd');
const loadOptions = { searchPath: dataSearchPath(benchDataDir), progress: silentProgress };
const train = await loadLabelledSplit(dataset, dataset.official.train, '5class', loadOptions);
const normalIndex = train.classes.indexOf(NORMAL);
await mkdir(args.out, { recursive: true });

interface Models {
  fcnn: Matrix[];
  rf: Matrix;
}

function fitPipeline(part: LabelledSplit): FeaturePipeline {
  return new FeaturePipeline({ log1pColumns: dataset.schema.logColumns ?? [] }).fit(part.table);
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

/** Five FCNNs and a forest on `fitX`; their scores on each of `scoreOn`. */
async function classifiers(
  seed: number,
  fitX: Matrix,
  fitY: Int32Array,
  validation: { x: Matrix; y: Int32Array },
  scoreOn: Matrix[],
  withForest: boolean,
): Promise<Models[]> {
  const out: Models[] = scoreOn.map(() => ({ fcnn: [], rf: createMatrix(0, 0) }));
  for (let m = 0; m < nMembers; m++) {
    const started = performance.now();
    const model = await fitModel(
      'fcnn',
      FCNN_OPTIONS,
      seed + m * MEMBER_SEED_STEP,
      fitX,
      fitY,
      train.classes.length,
      validation,
    );
    for (const [i, x] of scoreOn.entries()) out[i].fcnn.push(await scoresOf(model, x));
    await model.dispose();
    log(
      `seed ${seed}: fcnn member ${m + 1}/${nMembers} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
  if (withForest) {
    const started = performance.now();
    const forest = await fitModel('rf', {}, seed, fitX, fitY, train.classes.length);
    for (const [i, x] of scoreOn.entries()) out[i].rf = await scoresOf(forest, x);
    await forest.dispose();
    log(`seed ${seed}: forest in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  return out;
}

function classifierScores(name: string, models: Models): Matrix {
  if (name === 'fcnn1') return models.fcnn[0];
  const ensemble = averageScores(models.fcnn);
  if (name === 'fcnn5') return ensemble;
  if (name === 'rf+fcnn5') return averageScores([models.rf, ensemble]);
  throw new IotIdsError(`unknown classifier candidate ${name}`);
}

/** The autoencoder of this seed: trained on the LATO fit part's normal rows, cached on disk. */
async function autoencoder(
  seed: number,
  fitNormal: Matrix,
  validationNormal: Matrix,
): Promise<AnomalyDetector> {
  const dir = join(args.out, `ae-seed-${seed}`);
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists) return AnomalyDetector.load(dir);
  if (args.phase === 'final') throw new IotIdsError(`no autoencoder at ${dir}: run --phase validate first`);
  const started = performance.now();
  const detector = new AnomalyDetector({ seed });
  await detector.fit(fitNormal, { validation: validationNormal, falsePositiveRate: rates[0] });
  log(
    `seed ${seed}: autoencoder ${detector.info.epochsRun} epochs in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  await writeDirAtomic(dir, (temp) => detector.save(temp));
  return detector;
}

/** A forest from the residual profile of attack rows to their attack class, scores widened to every class. */
async function residualRouter(
  seed: number,
  profiles: Matrix,
  y: Int32Array,
  scoreOn: Matrix[],
): Promise<Matrix[]> {
  const attackRows = Array.from(y.keys()).filter((i) => y[i] !== normalIndex);
  const attackClasses = train.classes.map((_, c) => c).filter((c) => c !== normalIndex);
  const routerY = Int32Array.from(attackRows, (i) => attackClasses.indexOf(y[i]));
  const started = performance.now();
  const router = await fitModel(
    'rf',
    {},
    seed,
    takeRows(profiles, attackRows),
    routerY,
    attackClasses.length,
  );
  const out: Matrix[] = [];
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
  await router.dispose();
  log(
    `seed ${seed}: residual router on ${attackRows.length} attack rows in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return out;
}

function normalRowsOf(split: LabelledSplit): Int32Array {
  return Int32Array.from(Array.from(split.y.keys()).filter((i) => split.y[i] === normalIndex));
}

async function lato(seed: number) {
  const parts = validationSplit(train, 'leave-attack-type-out', 0.1, validationSeed(seed));
  const labelsOf = (split: LabelledSplit): string[] =>
    Array.from({ length: split.table.nRows }, (_, i) => rawLabelAt(split.table, i));
  const heldOut = heldOutAttackRows({
    fitLabels: labelsOf(parts.fit),
    validationLabels: labelsOf(parts.validation),
    validationY: parts.validation.y,
    normalIndex,
    what: `the validation rows of seed ${seed} (${parts.detail})`,
  });
  const pipeline = fitPipeline(parts.fit);
  const fitX = pipeline.transform(parts.fit.table).x;
  const validationX = pipeline.transform(parts.validation.table).x;
  const detector = await autoencoder(
    seed,
    takeRows(fitX, normalRowsOf(parts.fit)),
    takeRows(validationX, normalRowsOf(parts.validation)),
  );
  const weights = await readWeights(join(args.out, `ae-seed-${seed}`), 'autoencoder');
  return { parts, heldOut, pipeline, fitX, validationX, detector, weights };
}

interface CandidateResult {
  candidate: string;
  rates: { falsePositiveRate: number; figures: VerdictFigures }[];
  chosenRate: number;
  chosen: VerdictFigures;
}

async function validate(seed: number): Promise<void> {
  const started = performance.now();
  const { parts, heldOut, fitX, validationX, detector, weights } = await lato(seed);
  const y = parts.validation.y;
  const validation = { x: validationX, y };
  const [models] = await classifiers(seed, fitX, parts.fit.y, validation, [validationX], true);
  const errors = await detector.score(validationX);
  const [routeScores] = await residualRouter(seed, residualProfile(weights, fitX), parts.fit.y, [
    residualProfile(weights, validationX),
  ]);
  const normalRows = normalRowsOf(parts.validation);
  const results: CandidateResult[] = [];
  const alone: Record<string, VerdictFigures> = {};
  for (const classifier of CLASSIFIERS) {
    const scores = classifierScores(classifier, models);
    const none = new Uint8Array(y.length);
    alone[classifier] = verdictFigures(
      y,
      routeAnomalies(scores, none, normalIndex),
      train.classes.length,
      normalIndex,
    );
    for (const anomalyScore of ANOMALY_SCORES) {
      let score = errors;
      if (anomalyScore === 'doubt') {
        const scale = fitDoubtScale(
          takeErrors(errors, normalRows),
          takeRows(scores, normalRows),
          normalIndex,
        );
        score = doubtScores(errors, scores, normalIndex, scale);
      }
      const normalScores = takeErrors(score, normalRows);
      for (const route of ROUTES) {
        const judged = rates.map((rate) => {
          const threshold = thresholdAtFalsePositiveRate(normalScores, rate);
          const anomalous = Uint8Array.from(score, (s) => (s > threshold ? 1 : 0));
          const predicted = routeAnomalies(
            scores,
            anomalous,
            normalIndex,
            route === 'nearest' ? scores : routeScores,
          );
          return {
            falsePositiveRate: rate,
            figures: verdictFigures(y, predicted, train.classes.length, normalIndex),
          };
        });
        const chosen = chooseByAccuracyPlusF1(judged);
        results.push({
          candidate: `${classifier}/${route}/${anomalyScore}`,
          rates: judged,
          chosenRate: chosen.falsePositiveRate,
          chosen: chosen.figures,
        });
      }
    }
  }
  await writeJsonAtomic(join(args.out, `validate-seed-${seed}.json`), {
    seed,
    validationDetail: parts.detail,
    validationRows: y.length,
    validationNormalRows: normalRows.length,
    validationHeldOutAttackRows: heldOut,
    classes: train.classes,
    autoencoderEpochs: detector.info.epochsRun,
    classifierAlone: alone,
    candidates: results,
    seconds: Math.round((performance.now() - started) / 1000),
  });
  detector.dispose();
  for (const r of results) {
    log(
      `seed ${seed} ${r.candidate.padEnd(26)} rate ${r.chosenRate}: acc ${(100 * r.chosen.accuracy).toFixed(2)} ` +
        `F1 ${(100 * r.chosen.macroF1).toFixed(2)} recall ${r.chosen.recall.map((v) => (100 * v).toFixed(1)).join(' / ')}`,
    );
  }
}

function takeErrors(values: Float32Array, rows: Int32Array): Float32Array {
  return Float32Array.from(rows, (i) => values[i]);
}

async function final(seed: number): Promise<void> {
  const candidate = args.candidate;
  if (!candidate)
    throw new IotIdsError('--phase final needs --candidate, the configuration validation chose');
  const [classifier, route, anomalyScore] = candidate.split('/');
  const saved = JSON.parse(await readFile(join(args.out, `validate-seed-${seed}.json`), 'utf8')) as {
    candidates: CandidateResult[];
  };
  const chosen = saved.candidates.find((c) => c.candidate === candidate);
  if (!chosen) throw new IotIdsError(`validate-seed-${seed}.json has no candidate ${candidate}`);
  const rate = chosen.chosenRate;
  const selection = await lato(seed);
  // The final models train on all of KDDTrain+ but the LATO validation normal rows (every attack row,
  // the held-out types included). Those normal rows were seen by neither the autoencoder nor the final
  // classifiers, so the threshold (and the doubt score's scale) are set on them.
  const split = leaveAttackTypeOutSplit(
    train.y,
    train.table.label.codes,
    train.table.label.categories,
    train.classes,
    0.1,
    validationSeed(seed),
  );
  const heldRows = split.test.filter((i) => train.y[i] === normalIndex);
  const heldSet = new Set(heldRows);
  const fitRows = Int32Array.from(Array.from(train.y.keys()).filter((i) => !heldSet.has(i)));
  const fitPart = subsetSplit(train, fitRows, train.name);
  const heldPart = subsetSplit(train, heldRows, `${train.name} (validation normal rows)`);
  const pipeline = fitPipeline(fitPart);
  const fitX = pipeline.transform(fitPart.table).x;
  const heldX = pipeline.transform(heldPart.table).x;
  const heldErrors = await selection.detector.score(selection.pipeline.transform(heldPart.table).x);
  if (heldErrors.length !== selection.detector.getValidationErrors().length) {
    throw new IotIdsError(`seed ${seed}: the held normal rows are not the autoencoder's validation rows`);
  }
  // Only now are the test files read, once.
  // --dry-run checks this code path on the held normal rows instead, reading no test file.
  const tests = args['dry-run']
    ? [heldPart]
    : await Promise.all(
        dataset.official.tests.map((name) => loadLabelledSplit(dataset, name, '5class', loadOptions)),
      );
  const testX = tests.map((t) => pipeline.transform(t.table).x);
  const testAeX = tests.map((t) => selection.pipeline.transform(t.table).x);
  const scored = await classifiers(
    seed,
    fitX,
    fitPart.y,
    { x: heldX, y: heldPart.y },
    [heldX, ...testX],
    classifier === 'rf+fcnn5',
  );
  const heldScores = classifierScores(classifier, scored[0]);
  const routeScores =
    route === 'residual'
      ? await residualRouter(
          seed,
          residualProfile(selection.weights, selection.pipeline.transform(fitPart.table).x),
          fitPart.y,
          testAeX.map((x) => residualProfile(selection.weights, x)),
        )
      : undefined;
  let threshold = thresholdAtFalsePositiveRate(heldErrors, rate);
  let scale: ReturnType<typeof fitDoubtScale> | undefined;
  if (anomalyScore === 'doubt') {
    scale = fitDoubtScale(heldErrors, heldScores, normalIndex);
    threshold = thresholdAtFalsePositiveRate(doubtScores(heldErrors, heldScores, normalIndex, scale), rate);
  }
  const figures = [];
  for (const [t, test] of tests.entries()) {
    const scores = classifierScores(classifier, scored[t + 1]);
    const errors = await selection.detector.score(testAeX[t]);
    const score = scale ? doubtScores(errors, scores, normalIndex, scale) : errors;
    const anomalous = Uint8Array.from(score, (s) => (s > threshold ? 1 : 0));
    const none = new Uint8Array(test.y.length);
    const k = train.classes.length;
    figures.push({
      split: test.name,
      rows: test.y.length,
      classifierAlone: verdictFigures(test.y, routeAnomalies(scores, none, normalIndex), k, normalIndex),
      route: verdictFigures(
        test.y,
        routeAnomalies(scores, anomalous, normalIndex, routeScores ? routeScores[t] : scores),
        k,
        normalIndex,
      ),
    });
  }
  selection.detector.dispose();
  await writeJsonAtomic(
    join(
      args.out,
      `${args['dry-run'] ? 'dry-run' : 'final'}-${candidate.replaceAll('/', '_')}-seed-${seed}.json`,
    ),
    {
      seed,
      candidate,
      rate,
      figures,
    },
  );
  for (const f of figures) {
    log(
      `FINAL seed ${seed} ${candidate} rate ${rate} ${f.split}: acc ${(100 * f.route.accuracy).toFixed(2)} F1 ${(100 * f.route.macroF1).toFixed(2)} ` +
        `(alone ${(100 * f.classifierAlone.accuracy).toFixed(2)})`,
    );
  }
}

// Last, so every function and constant above is initialised.
for (const seed of seeds) {
  if (args.phase === 'validate') await validate(seed);
  else if (args.phase === 'final') await final(seed);
  else throw new IotIdsError(`--phase must be validate or final, got ${args.phase}`);
}
