import { join } from 'node:path';

import { loadLabelledSplit } from '../data/labelled-split.js';
import { dataSearchPath } from '../data/locate.js';
import { resolveDataset } from '../data/registry.js';
import { rawLabelAt, type Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import { runTraining } from './run-training.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import type { AnomalyDetectorOptions } from '../models/zero-day/anomaly-detector.js';
import { anomalousMask } from '../models/zero-day/anomaly-detector.js';
import { combineWithClassifier } from '../models/zero-day/combine.js';
import { fractionAbove, thresholdAtFalsePositiveRate } from '../models/zero-day/threshold.js';
import { trainZeroDay } from './train-zero-day.js';

export interface EvaluateZeroDayOptions {
  /** Where the classifier runs (metrics, model directories with their `zero-day/`) are written. Required. */
  workDir: string;
  /** Data directory (lookup continues with IOT_IDS_DATA_DIR, then the cache). Default: none. */
  dataDir?: string;
  /** Seeds of the classifier, the validation hold-out and the autoencoder. Default [1, 2, 3]. */
  seeds?: number[];
  /** Validation false-positive rates to set the threshold at. Default [0.01, 0.05]. */
  falsePositiveRates?: number[];
  /** Classifier kind and options (official protocol, 5class). Default Random Forest with its defaults. */
  classifier?: { model: string; modelOptions: Record<string, unknown>; log1p?: boolean };
  /** Autoencoder options. Default: `anomalyDetectorDefaults`. */
  detector?: Partial<Omit<AnomalyDetectorOptions, 'seed'>>;
  /** Default: silent. */
  progress?: ProgressReporter;
}

/** Detection figures at one threshold, on one seed. */
export interface ZeroDayRateFigures {
  /** The validation false-positive rate the threshold was set for. */
  falsePositiveRate: number;
  threshold: number;
  /** Share of novel-attack rows the autoencoder alone finds anomalous. */
  anomalyRecall: number;
  /** Share of novel-attack rows with a classifier attack label or an anomaly alert. */
  combinedRecall: number;
  /** Share of the test split's normal rows the autoencoder alone finds anomalous. */
  anomalyFalsePositiveRate: number;
  /** Share of the test split's normal rows with a classifier attack label or an anomaly alert. */
  combinedFalsePositiveRate: number;
  /**
   * Binary accuracy over every test row (normal vs any attack) of the classifier and the autoencoder
   * combined: attack when the classifier names an attack or the autoencoder alerts. Absent in older files.
   */
  combinedBinaryAccuracy?: number;
}

export interface ZeroDaySeedResult {
  seed: number;
  /** Share of novel-attack rows the classifier alone labels as some attack. */
  classifierRecall: number;
  /** Share of the test split's normal rows the classifier alone labels as an attack. */
  classifierFalsePositiveRate: number;
  /** Binary accuracy over every test row of the classifier alone (any attack class counts as attack). */
  classifierBinaryAccuracy?: number;
  autoencoderEpochs: number;
  autoencoderSeconds: number;
  byRate: ZeroDayRateFigures[];
}

export interface ZeroDayEvaluation {
  dataset: string;
  trainSplit: string;
  testSplit: string;
  classifier: string;
  /** Attack labels of the test split that the training split does not have, with their row counts. */
  novelLabels: Record<string, number>;
  novelRows: number;
  normalRows: number;
  seeds: ZeroDaySeedResult[];
}

/**
 * Labels present in `testLabels` but never in `trainLabels` (the attack types only the test split has),
 * sorted. `normalClass` is never novel.
 */
export function novelLabels(
  trainLabels: Iterable<string>,
  testLabels: Iterable<string>,
  normalClass = 'normal',
): string[] {
  const known = new Set(trainLabels);
  const novel = new Set<string>();
  for (const label of testLabels) if (!known.has(label) && label !== normalClass) novel.add(label);
  return [...novel].sort();
}

/**
 * Recall on the novel-attack rows and false-positive rate on the normal rows, for the classifier alone, the
 * autoencoder alone (error above `threshold`) and the two combined as zero-day mode does (classifier attack
 * label, or classifier normal and autoencoder anomalous).
 */
export function zeroDayFigures(input: {
  isNovel: Uint8Array;
  isNormal: Uint8Array;
  classifierLabels: readonly string[];
  errors: Float32Array;
  threshold: number;
  normalClass?: string;
}): {
  classifierRecall: number;
  classifierFalsePositiveRate: number;
  anomalyRecall: number;
  combinedRecall: number;
  anomalyFalsePositiveRate: number;
  combinedFalsePositiveRate: number;
  /** Normal rows not flagged plus attack rows (every row not normal) flagged, over all rows. */
  classifierBinaryAccuracy: number;
  combinedBinaryAccuracy: number;
} {
  const { isNovel, isNormal, classifierLabels, errors, threshold } = input;
  const normalClass = input.normalClass ?? 'normal';
  const n = isNovel.length;
  if (isNormal.length !== n || classifierLabels.length !== n || errors.length !== n) {
    throw new IotIdsError('zeroDayFigures: every per-row input must have the same length');
  }
  const anomalous = anomalousMask(errors, threshold);
  const anomalyAlerts = combineWithClassifier(
    classifierLabels.map((label) => ({ label })),
    anomalous,
    normalClass,
  );
  const counts = { novel: 0, normal: 0, cNovel: 0, aNovel: 0, bNovel: 0, cNormal: 0, aNormal: 0, bNormal: 0 };
  let classifierRight = 0;
  let combinedRight = 0;
  for (let i = 0; i < n; i++) {
    const attack = classifierLabels[i] !== normalClass ? 1 : 0;
    const either = attack | anomalyAlerts[i];
    const isAttack = isNormal[i] ? 0 : 1;
    if (attack === isAttack) classifierRight++;
    if (either === isAttack) combinedRight++;
    if (isNovel[i]) {
      counts.novel++;
      counts.cNovel += attack;
      counts.aNovel += anomalous[i];
      counts.bNovel += either;
    } else if (isNormal[i]) {
      counts.normal++;
      counts.cNormal += attack;
      counts.aNormal += anomalous[i];
      counts.bNormal += either;
    }
  }
  const share = (part: number, whole: number): number => (whole === 0 ? Number.NaN : part / whole);
  return {
    classifierRecall: share(counts.cNovel, counts.novel),
    classifierFalsePositiveRate: share(counts.cNormal, counts.normal),
    anomalyRecall: share(counts.aNovel, counts.novel),
    combinedRecall: share(counts.bNovel, counts.novel),
    anomalyFalsePositiveRate: share(counts.aNormal, counts.normal),
    combinedFalsePositiveRate: share(counts.bNormal, counts.normal),
    classifierBinaryAccuracy: share(classifierRight, n),
    combinedBinaryAccuracy: share(combinedRight, n),
  };
}

/**
 * Zero-day mode on NSL-KDD's official protocol, per seed: trains the classifier on KDDTrain+ (5class), trains
 * the autoencoder on KDDTrain+'s normal rows, and scores KDDTest+. The novel attacks are the KDDTest+ attack
 * labels that KDDTrain+ lacks, computed from the data. Thresholds come from validation normal rows (taken
 * from KDDTrain+) only; the test split sets nothing.
 */
export async function evaluateZeroDay(options: EvaluateZeroDayOptions): Promise<ZeroDayEvaluation> {
  const progress = options.progress ?? silentProgress;
  const seeds = options.seeds ?? [1, 2, 3];
  const rates = options.falsePositiveRates ?? [0.01, 0.05];
  const classifier = options.classifier ?? { model: 'rf', modelOptions: {} };
  const dataset = await resolveDataset('nsl-kdd');
  const trainSplit = dataset.official.train;
  const testSplit = dataset.official.tests[0];
  const loadOptions = { searchPath: dataSearchPath(options.dataDir), progress };
  const train = await loadLabelledSplit(dataset, trainSplit, 'binary', loadOptions);
  const test = await loadLabelledSplit(dataset, testSplit, '5class', loadOptions);
  const testLabels = rawLabels(test.table);
  const novel = novelLabels(new Set(rawLabels(train.table)), testLabels);
  const novelSet = new Set(novel);
  const isNovel = Uint8Array.from(testLabels, (l) => (novelSet.has(l) ? 1 : 0));
  const isNormal = Uint8Array.from(testLabels, (l) => (l === 'normal' ? 1 : 0));
  const novelCounts: Record<string, number> = Object.fromEntries(novel.map((l) => [l, 0]));
  for (const l of testLabels) if (novelSet.has(l)) novelCounts[l]++;

  const results: ZeroDaySeedResult[] = [];
  for (const seed of seeds) {
    const run = await runTraining(
      {
        dataset: dataset.name,
        task: '5class',
        protocol: 'official',
        model: classifier.model,
        modelOptions: classifier.modelOptions,
        log1p: classifier.log1p,
        seed,
        out: join(options.workDir, `${classifier.model}-seed-${seed}`),
        dataDir: options.dataDir,
      },
      progress,
    );
    const zeroDay = await trainZeroDay({
      modelDir: run.modelDir,
      dataDir: options.dataDir,
      seed,
      falsePositiveRate: rates[0],
      detector: options.detector,
      progress,
    });
    const saved = await loadSavedModel(run.modelDir);
    try {
      const { x } = saved.pipeline.transform(test.table);
      // The classifier's verdict is the arg-max of its scores, as in detection.
      const predicted = await saved.model.predict(x);
      const classifierLabels = Array.from(predicted, (c) => saved.manifest.classes[c]);
      const errors = await zeroDay.detector.score(x);
      const validationErrors = zeroDay.detector.getValidationErrors();
      const byRate = rates.map((rate): ZeroDayRateFigures => {
        const threshold = thresholdAtFalsePositiveRate(validationErrors, rate);
        const f = zeroDayFigures({ isNovel, isNormal, classifierLabels, errors, threshold });
        return {
          falsePositiveRate: rate,
          threshold,
          anomalyRecall: f.anomalyRecall,
          combinedRecall: f.combinedRecall,
          anomalyFalsePositiveRate: f.anomalyFalsePositiveRate,
          combinedFalsePositiveRate: f.combinedFalsePositiveRate,
          combinedBinaryAccuracy: f.combinedBinaryAccuracy,
        };
      });
      const base = zeroDayFigures({ isNovel, isNormal, classifierLabels, errors, threshold: Infinity });
      results.push({
        seed,
        classifierRecall: base.classifierRecall,
        classifierFalsePositiveRate: base.classifierFalsePositiveRate,
        classifierBinaryAccuracy: base.classifierBinaryAccuracy,
        autoencoderEpochs: zeroDay.detector.info.epochsRun ?? 0,
        autoencoderSeconds: zeroDay.trainSeconds,
        byRate,
      });
      progress.note(
        `seed ${seed}: validation FPR check ${byRate
          .map((r) => `${r.falsePositiveRate}→${fractionAbove(validationErrors, r.threshold).toFixed(4)}`)
          .join(', ')}`,
      );
    } finally {
      await saved.model.dispose();
      zeroDay.detector.dispose();
    }
  }
  return {
    dataset: dataset.name,
    trainSplit,
    testSplit,
    classifier: classifier.model,
    novelLabels: novelCounts,
    novelRows: isNovel.reduce((a, b) => a + b, 0),
    normalRows: isNormal.reduce((a, b) => a + b, 0),
    seeds: results,
  };
}

/** Mean and sample standard deviation (n − 1); std 0 for a single value. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** The evaluation as a Markdown table (percentages, mean ± std over the seeds) plus the novel labels. */
export function formatZeroDayMarkdown(evaluation: ZeroDayEvaluation): string {
  const pct = (values: number[]): string => {
    if (values.some((v) => Number.isNaN(v))) return 'n/a';
    const { mean, std } = meanStd(values.map((v) => v * 100));
    return `${mean.toFixed(2)} ± ${std.toFixed(2)} %`;
  };
  const seeds = evaluation.seeds;
  const rates = seeds[0]?.byRate.map((r) => r.falsePositiveRate) ?? [];
  const lines = [
    `| threshold set at validation FPR | novel-attack recall: ${evaluation.classifier} alone | autoencoder alone | ${evaluation.classifier} + anomaly alerts | FPR on ${evaluation.testSplit} normal: autoencoder alone | ${evaluation.classifier} + anomaly alerts | binary accuracy on ${evaluation.testSplit}: ${evaluation.classifier} alone | ${evaluation.classifier} + anomaly alerts |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  rates.forEach((rate, k) => {
    lines.push(
      `| ${(rate * 100).toFixed(0)} % | ${pct(seeds.map((s) => s.classifierRecall))} | ${pct(
        seeds.map((s) => s.byRate[k].anomalyRecall),
      )} | ${pct(seeds.map((s) => s.byRate[k].combinedRecall))} | ${pct(
        seeds.map((s) => s.byRate[k].anomalyFalsePositiveRate),
      )} | ${pct(seeds.map((s) => s.byRate[k].combinedFalsePositiveRate))} | ${pct(
        seeds.map((s) => s.classifierBinaryAccuracy ?? Number.NaN),
      )} | ${pct(seeds.map((s) => s.byRate[k].combinedBinaryAccuracy ?? Number.NaN))} |`,
    );
  });
  const labels = Object.entries(evaluation.novelLabels)
    .sort((a, b) => b[1] - a[1])
    .map(([label, count]) => `${label} ${count}`)
    .join(', ');
  return [
    lines.join('\n'),
    '',
    `Novel attack labels (in ${evaluation.testSplit}, not in ${evaluation.trainSplit}): ${Object.keys(evaluation.novelLabels).length} labels, ${evaluation.novelRows} rows — ${labels}. Normal rows: ${evaluation.normalRows}. ${evaluation.classifier} alone labels ${pct(seeds.map((s) => s.classifierFalsePositiveRate))} of normal rows as attacks.`,
  ].join('\n');
}

function rawLabels(table: Table): string[] {
  return Array.from({ length: table.nRows }, (_, i) => rawLabelAt(table, i));
}
