import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { loadLabelledSplit, subsetSplit, type LabelledSplit } from '../data/labelled-split.js';
import { dataSearchPath } from '../data/locate.js';
import { resolveDataset } from '../data/registry.js';
import { rawLabelAt } from '../data/table.js';
import type { DatasetDefinition } from '../data/schema.js';
import { IotIdsError } from '../errors.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import type { Matrix } from '../preprocess/matrix.js';
import { scoresOf } from '../models/estimator.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import { AnomalyDetector, type AnomalyDetectorOptions } from '../models/zero-day/anomaly-detector.js';
import { PIPELINE_FILE, zeroDayDir } from '../models/zero-day/zero-day-dir.js';
import { writeDirAtomic } from '../util/atomic-dir.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import {
  chooseRate,
  combinedFigures,
  heldOutAttackRows,
  rateCandidates,
  type CombinedFigures,
  type RateCandidate,
} from './anomaly-rate-selection.js';
import { runTraining, validationSeed } from './run-training.js';
import type { RunSpec } from './run-spec.js';
import type { ValidationScheme } from './validation-schemes.js';
import { validationSplit } from './validation-split.js';

export interface EvaluateZeroDaySelectedOptions {
  /** Where the runs (selection and final classifiers, the autoencoder) are written. Required. */
  workDir: string;
  dataDir?: string;
  /** Default [1, 2, 3, 4, 5]. */
  seeds?: number[];
  /** Candidate validation false-positive rates of the anomaly threshold. Default [0.01, 0.02, 0.05, 0.1]. */
  rates?: number[];
  /** Classifier kind and options (official protocol, 5class). Required: the final configuration. */
  classifier: {
    model: string;
    modelOptions: Record<string, unknown>;
    log1p?: boolean;
    /** Feature columns neither classifier nor the autoencoder sees (RunSpec.dropFeatures). */
    dropFeatures?: readonly string[];
    /** The final classifier's validation scheme (RunSpec.validation); the selection run's is always leave-attack-type-out. */
    validation?: ValidationScheme;
  };
  /** Built-in dataset with a 5class task and an official protocol. Default nsl-kdd. */
  dataset?: string;
  /** Training split of both classifiers and the autoencoder. Default: the official one (KDDTrain+). */
  trainSplit?: string;
  /** Share of the training rows held out for validation. Default 0.1. */
  validationFraction?: number;
  detector?: Partial<Omit<AnomalyDetectorOptions, 'seed'>>;
  progress?: ProgressReporter;
}

export interface SelectedTestFigures {
  split: string;
  rows: number;
  /** The final classifier alone. */
  classifier: CombinedFigures;
  /** Classifier + anomaly alerts at the rate chosen by validation binary accuracy. */
  binaryRoute: CombinedFigures;
  /** Classifier + alerts routed to the nearest attack class, at the rate chosen by validation accuracy. */
  multiClassRoute: CombinedFigures;
}

export interface SelectedSeedResult {
  seed: number;
  /** What the leave-attack-type-out validation held out. */
  validationDetail: string;
  validationRows: number;
  validationNormalRows: number;
  /** Validation attack rows of types the selection classifier never trained on. */
  validationHeldOutAttackRows: number;
  autoencoderTrainRows: number;
  autoencoderEpochs: number;
  autoencoderSeconds: number;
  /** The selection classifier alone on the validation rows. */
  validationClassifier: CombinedFigures;
  candidates: RateCandidate[];
  /** Validation false-positive rate chosen for the binary task (validation binary accuracy). */
  binaryRate: number;
  /** … and for the multi-class task (validation accuracy). */
  multiClassRate: number;
  tests: SelectedTestFigures[];
}

export interface ZeroDaySelectedEvaluation {
  dataset: string;
  trainSplit: string;
  classifier: string;
  classes: string[];
  rates: number[];
  seeds: SelectedSeedResult[];
}

const NORMAL = 'normal';

/** Rows of one labelled set, scored by a classifier and the autoencoder. */
export interface ScoredRows {
  /** True classes (indices into the classifier's classes). */
  yTrue: Int32Array;
  /** Classifier scores, rows × classes. */
  scores: Matrix;
  /** The autoencoder's reconstruction errors. */
  errors: Float32Array;
  /** Wall seconds of both scorings. */
  seconds: number;
}

/** One seed of the selected-threshold evaluation, with the scored rows its figures came from. */
export interface SelectedSeedOutcome {
  result: SelectedSeedResult;
  /** The classifier's classes and its normal class. */
  classes: string[];
  normalIndex: number;
  /** The leave-attack-type-out validation rows, scored by the selection classifier. */
  validation: ScoredRows;
  /** Each official test split, scored by the final classifier. */
  tests: Array<ScoredRows & { split: string }>;
  selectionRunDir: string;
  finalRunDir: string;
  /** The final classifier's own metrics.json (the classifier alone on the test files). */
  finalMetrics: MetricsFile;
}

/** What every seed shares: the loaded training file, the runs' settings, the test files read so far. */
export interface ZeroDaySelectedContext {
  options: EvaluateZeroDaySelectedOptions;
  dataset: DatasetDefinition;
  trainSplit: string;
  train: LabelledSplit;
  rates: number[];
  fraction: number;
  spec: Omit<RunSpec, 'seed' | 'out'>;
  loadOptions: { searchPath: ReturnType<typeof dataSearchPath>; progress: ProgressReporter };
  tests: Map<string, LabelledSplit>;
  progress: ProgressReporter;
}

/**
 * Classifier + anomaly alerts on NSL-KDD's official protocol with the anomaly threshold CHOSEN on
 * validation rows of KDDTrain+, per seed:
 *
 * 1. a selection classifier (the final configuration) is trained with leave-attack-type-out validation;
 * 2. the autoencoder is trained on the normal rows of its fit part, encoded with its pipeline; the
 *    validation normal rows stop the training and set the threshold quantiles;
 * 3. on the validation rows (held-out attack types + validation normal rows), each candidate rate is
 *    scored; the binary rate maximises binary accuracy, the multi-class rate accuracy (ties: lower rate);
 * 4. the final classifier is trained as the official run trains it (random validation rows), and only now
 *    are the test splits read, once, and scored at the chosen thresholds with the same autoencoder.
 *
 * The autoencoder never sees attack rows, and its normal rows exclude the validation normal rows, so it can
 * serve both the choice and the final test; the final classifier has seen every attack type of KDDTrain+.
 */
export async function evaluateZeroDaySelected(
  options: EvaluateZeroDaySelectedOptions,
): Promise<ZeroDaySelectedEvaluation> {
  const context = await prepareZeroDaySelected(options);
  const results: SelectedSeedResult[] = [];
  for (const seed of options.seeds ?? [1, 2, 3, 4, 5]) {
    results.push((await evaluateZeroDaySelectedSeed(context, seed)).result);
  }
  return {
    dataset: context.dataset.name,
    trainSplit: context.trainSplit,
    classifier: options.classifier.model,
    classes: context.train.classes,
    rates: context.rates,
    seeds: results,
  };
}

/** Loads the training file once and fixes the settings every seed's runs share. */
export async function prepareZeroDaySelected(
  options: EvaluateZeroDaySelectedOptions,
): Promise<ZeroDaySelectedContext> {
  const progress = options.progress ?? silentProgress;
  const rates = options.rates ?? [0.01, 0.02, 0.05, 0.1];
  const fraction = options.validationFraction ?? 0.1;
  const dataset = await resolveDataset(options.dataset ?? 'nsl-kdd');
  const trainSplit = options.trainSplit ?? dataset.official.train;
  const loadOptions = { searchPath: dataSearchPath(options.dataDir), progress };
  const train = await loadLabelledSplit(dataset, trainSplit, '5class', loadOptions);
  const classifier = options.classifier;
  const spec = {
    dataset: dataset.name,
    task: '5class' as const,
    protocol: 'official' as const,
    model: classifier.model,
    modelOptions: classifier.modelOptions,
    log1p: classifier.log1p,
    dropFeatures: classifier.dropFeatures,
    validation: classifier.validation,
    validationFraction: fraction,
    trainSplit,
    dataDir: options.dataDir,
  };
  return {
    options,
    dataset,
    trainSplit,
    train,
    rates,
    fraction,
    spec,
    loadOptions,
    tests: new Map(),
    progress,
  };
}

/**
 * One seed of the protocol above. `dirs` name the selection and final runs' folders (default: under the
 * work directory); with `finalRunDir` already holding a finished official run of the same configuration
 * (compare's grid run), that run is the final classifier and is not trained again.
 */
export async function evaluateZeroDaySelectedSeed(
  context: ZeroDaySelectedContext,
  seed: number,
  dirs: { selection?: string; final?: string; finalRunDir?: string } = {},
): Promise<SelectedSeedOutcome> {
  const { options, dataset, trainSplit, train, rates, fraction, spec, loadOptions, tests, progress } =
    context;
  const classifier = options.classifier;
  progress.note(`seed ${seed}: selection classifier (leave-attack-type-out validation)`);
  const selectionRun = await runTraining(
    {
      ...spec,
      seed,
      validation: 'leave-attack-type-out',
      skipTests: true,
      out: dirs.selection ?? join(options.workDir, `selection-${classifier.model}-seed-${seed}`),
    },
    progress,
  );
  const parts = validationSplit(train, 'leave-attack-type-out', fraction, validationSeed(seed));
  const recorded = selectionRun.metrics.validation;
  if (recorded?.detail !== parts.detail || recorded.rows !== parts.validation.y.length) {
    throw new IotIdsError(
      `seed ${seed}: the validation rows cut again (${parts.detail}) are not the ones the selection run held out (${recorded?.detail ?? 'none'})`,
    );
  }
  const labelsOf = (split: LabelledSplit): string[] =>
    Array.from({ length: split.table.nRows }, (_, i) => rawLabelAt(split.table, i));
  const heldOutRows = heldOutAttackRows({
    fitLabels: labelsOf(parts.fit),
    validationLabels: labelsOf(parts.validation),
    validationY: parts.validation.y,
    normalIndex: train.classes.indexOf(NORMAL),
    what: `the validation rows of seed ${seed} (${parts.detail})`,
  });
  const selection = await loadSavedModel(selectionRun.modelDir);
  const detector = new AnomalyDetector({ ...options.detector, seed });
  try {
    const classes = selection.manifest.classes;
    const normalIndex = requireSameClasses(classes, train.classes, trainSplit);
    const normalRowsOf = (split: LabelledSplit): Int32Array =>
      Int32Array.from(Array.from(split.y.keys()).filter((i) => split.y[i] === normalIndex));
    const fitNormal = selection.pipeline.transform(
      subsetSplit(parts.fit, normalRowsOf(parts.fit), trainSplit).table,
    ).x;
    const validationNormal = selection.pipeline.transform(
      subsetSplit(parts.validation, normalRowsOf(parts.validation), trainSplit).table,
    ).x;
    progress.note(
      `seed ${seed}: autoencoder on ${fitNormal.rows} normal rows (${validationNormal.rows} validation normal rows)`,
    );
    const started = performance.now();
    await detector.fit(fitNormal, { validation: validationNormal, falsePositiveRate: rates[0] });
    const autoencoderSeconds = (performance.now() - started) / 1000;
    detector.info = {
      ...detector.info,
      pipelineSha256: selection.manifest.files[PIPELINE_FILE],
      trainSplit,
      trainRows: fitNormal.rows,
      validationRows: validationNormal.rows,
    };
    await writeDirAtomic(zeroDayDir(selectionRun.modelDir), (temp) => detector.save(temp));

    const validationStarted = performance.now();
    const validationX = selection.pipeline.transform(parts.validation.table).x;
    const validationScores = await scoresOf(selection.model, validationX);
    const validationErrors = await detector.score(validationX);
    const validation: ScoredRows = {
      yTrue: parts.validation.y,
      scores: validationScores,
      errors: validationErrors,
      seconds: (performance.now() - validationStarted) / 1000,
    };
    const candidates = rateCandidates({
      rates,
      normalErrors: detector.getValidationErrors(),
      yTrue: parts.validation.y,
      scores: validationScores,
      errors: validationErrors,
      normalIndex,
      what: `the leave-attack-type-out validation rows of seed ${seed}`,
    });
    const binary = chooseRate(candidates, 'binary-accuracy');
    const multiClass = chooseRate(candidates, 'accuracy');
    progress.note(
      `seed ${seed}: chose ${binary.falsePositiveRate} (binary) and ${multiClass.falsePositiveRate} (5class) ` +
        `from ${rates.join(', ')}; validation binary accuracy ${binary.figures.binaryAccuracy.toFixed(4)}, ` +
        `accuracy ${multiClass.figures.accuracy.toFixed(4)}`,
    );

    const finalRun = dirs.finalRunDir
      ? { modelDir: join(dirs.finalRunDir, 'model'), metrics: await finishedMetrics(dirs.finalRunDir) }
      : await trainFinal(context, seed, dirs.final);
    const final = await loadSavedModel(finalRun.modelDir);
    try {
      requireSameClasses(final.manifest.classes, classes, finalRun.modelDir);
      const testFigures: SelectedTestFigures[] = [];
      const scored: Array<ScoredRows & { split: string }> = [];
      for (const name of dataset.official.tests) {
        let test = tests.get(name);
        if (!test) {
          test = await loadLabelledSplit(dataset, name, '5class', loadOptions);
          tests.set(name, test);
        }
        requireSameClasses(test.classes, classes, name);
        const testStarted = performance.now();
        const scores = await scoresOf(final.model, final.pipeline.transform(test.table).x);
        const errors = await detector.score(selection.pipeline.transform(test.table).x);
        const seconds = (performance.now() - testStarted) / 1000;
        const yTrue = test.y;
        scored.push({ split: name, yTrue, scores, errors, seconds });
        const at = (threshold: number): CombinedFigures =>
          combinedFigures({ yTrue, scores, errors, threshold, normalIndex });
        testFigures.push({
          split: name,
          rows: test.y.length,
          classifier: at(Infinity),
          binaryRoute: at(binary.threshold),
          multiClassRoute: at(multiClass.threshold),
        });
      }
      const result: SelectedSeedResult = {
        seed,
        validationDetail: parts.detail,
        validationRows: parts.validation.y.length,
        validationNormalRows: validationNormal.rows,
        validationHeldOutAttackRows: heldOutRows,
        autoencoderTrainRows: fitNormal.rows,
        autoencoderEpochs: detector.info.epochsRun ?? 0,
        autoencoderSeconds,
        validationClassifier: combinedFigures({
          yTrue: parts.validation.y,
          scores: validationScores,
          errors: validationErrors,
          threshold: Infinity,
          normalIndex,
        }),
        candidates,
        binaryRate: binary.falsePositiveRate,
        multiClassRate: multiClass.falsePositiveRate,
        tests: testFigures,
      };
      return {
        result,
        classes,
        normalIndex,
        validation,
        tests: scored,
        selectionRunDir: dirname(selectionRun.modelDir),
        finalRunDir: dirname(finalRun.modelDir),
        finalMetrics: finalRun.metrics,
      };
    } finally {
      await final.model.dispose();
    }
  } finally {
    detector.dispose();
    await selection.model.dispose();
  }
}

/** Step 4's classifier: trained as the official run trains it, reading the test files once. */
async function trainFinal(
  context: ZeroDaySelectedContext,
  seed: number,
  out: string | undefined,
): Promise<{ modelDir: string; metrics: MetricsFile }> {
  const { options, spec, progress } = context;
  progress.note(`seed ${seed}: final classifier (official protocol)`);
  const run = await runTraining(
    { ...spec, seed, out: out ?? join(options.workDir, `${options.classifier.model}-seed-${seed}`) },
    progress,
  );
  return { modelDir: run.modelDir, metrics: run.metrics };
}

/** The metrics of a finished run (its metrics.json must exist: a run without one is not finished). */
async function finishedMetrics(runDir: string): Promise<MetricsFile> {
  const path = join(runDir, 'metrics.json');
  let metrics: MetricsFile;
  try {
    metrics = JSON.parse(await readFile(path, 'utf8')) as MetricsFile;
  } catch (error) {
    throw new IotIdsError(
      `the final classifier's run ${runDir} has no readable metrics.json: it did not finish`,
      {
        cause: error,
        location: { file: path },
      },
    );
  }
  return metrics;
}

/** The normal class's index, after checking `classes` are `expected` in the same order. */
function requireSameClasses(classes: readonly string[], expected: readonly string[], where: string): number {
  if (classes.join('\u0000') !== expected.join('\u0000')) {
    throw new IotIdsError(
      `${where} has classes ${classes.join(', ')}; expected ${expected.join(', ')} in that order`,
    );
  }
  const normalIndex = classes.indexOf(NORMAL);
  if (normalIndex < 0) throw new IotIdsError(`${where} has no class "${NORMAL}"`);
  return normalIndex;
}
