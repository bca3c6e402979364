import { join } from 'node:path';

import { loadLabelledSplit, subsetSplit, type LabelledSplit } from '../data/labelled-split.js';
import { dataSearchPath } from '../data/locate.js';
import { resolveDataset } from '../data/registry.js';
import { rawLabelAt } from '../data/table.js';
import { IotIdsError } from '../errors.js';
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
  classifier: { model: string; modelOptions: Record<string, unknown>; log1p?: boolean };
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
  const progress = options.progress ?? silentProgress;
  const seeds = options.seeds ?? [1, 2, 3, 4, 5];
  const rates = options.rates ?? [0.01, 0.02, 0.05, 0.1];
  const fraction = options.validationFraction ?? 0.1;
  const dataset = await resolveDataset('nsl-kdd');
  const trainSplit = options.trainSplit ?? dataset.official.train;
  const loadOptions = { searchPath: dataSearchPath(options.dataDir), progress };
  const train = await loadLabelledSplit(dataset, trainSplit, '5class', loadOptions);
  const tests = new Map<string, LabelledSplit>();
  const classifier = options.classifier;
  const spec = {
    dataset: dataset.name,
    task: '5class' as const,
    protocol: 'official' as const,
    model: classifier.model,
    modelOptions: classifier.modelOptions,
    log1p: classifier.log1p,
    validationFraction: fraction,
    trainSplit,
    dataDir: options.dataDir,
  };

  const results: SelectedSeedResult[] = [];
  for (const seed of seeds) {
    progress.note(`seed ${seed}: selection classifier (leave-attack-type-out validation)`);
    const selectionRun = await runTraining(
      {
        ...spec,
        seed,
        validation: 'leave-attack-type-out',
        skipTests: true,
        out: join(options.workDir, `selection-${classifier.model}-seed-${seed}`),
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

      const validationX = selection.pipeline.transform(parts.validation.table).x;
      const validationScores = await scoresOf(selection.model, validationX);
      const validationErrors = await detector.score(validationX);
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

      progress.note(`seed ${seed}: final classifier (official protocol)`);
      const finalRun = await runTraining(
        { ...spec, seed, out: join(options.workDir, `${classifier.model}-seed-${seed}`) },
        progress,
      );
      const final = await loadSavedModel(finalRun.modelDir);
      try {
        requireSameClasses(final.manifest.classes, classes, finalRun.modelDir);
        const testFigures: SelectedTestFigures[] = [];
        for (const name of dataset.official.tests) {
          let test = tests.get(name);
          if (!test) {
            test = await loadLabelledSplit(dataset, name, '5class', loadOptions);
            tests.set(name, test);
          }
          requireSameClasses(test.classes, classes, name);
          const scores = await scoresOf(final.model, final.pipeline.transform(test.table).x);
          const errors = await detector.score(selection.pipeline.transform(test.table).x);
          const at = (threshold: number): CombinedFigures =>
            combinedFigures({ yTrue: test.y, scores, errors, threshold, normalIndex });
          testFigures.push({
            split: name,
            rows: test.y.length,
            classifier: at(Infinity),
            binaryRoute: at(binary.threshold),
            multiClassRoute: at(multiClass.threshold),
          });
        }
        results.push({
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
        });
      } finally {
        await final.model.dispose();
      }
    } finally {
      detector.dispose();
      await selection.model.dispose();
    }
  }
  return {
    dataset: dataset.name,
    trainSplit,
    classifier: classifier.model,
    classes: train.classes,
    rates,
    seeds: results,
  };
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
