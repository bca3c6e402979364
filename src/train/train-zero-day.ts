import { subsetSplit } from '../data/labelled-split.js';
import { modelSplits } from './model-splits.js';
import { dataSearchPath } from '../data/locate.js';
import { datasetForModel } from '../models/model-dataset.js';
import type { DatasetDefinition } from '../data/schema.js';
import { IotIdsError, usageError } from '../errors.js';
import { readModelDir, type ModelManifest } from '../models/model-dir.js';
import type { Matrix } from '../preprocess/matrix.js';
import type { FeaturePipeline } from '../preprocess/pipeline.js';
import { stratifiedSplit } from '../preprocess/stratified-split.js';
import type { Callback } from '../fit/callbacks.js';
import { writeDirAtomic } from '../util/atomic-dir.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import { AnomalyDetector, type AnomalyDetectorOptions } from '../models/zero-day/anomaly-detector.js';
import { PIPELINE_FILE, zeroDayDir } from '../models/zero-day/zero-day-dir.js';

export interface TrainZeroDayOptions {
  /** Model directory written by `iot-ids train` (…/model); the detector is saved in its `zero-day/`. */
  modelDir: string;
  /** Data directory (lookup continues with IOT_IDS_DATA_DIR, then the cache). Default: none. */
  dataDir?: string;
  /** Share of validation-normal rows allowed above the threshold. Default 0.01. */
  falsePositiveRate?: number;
  /** Seeds the validation hold-out and the autoencoder. Default: the model's seed. */
  seed?: number;
  /** Built-in dataset name or schema file. Default: the model's dataset (a schema-file model needs it here). */
  dataset?: string;
  /**
   * Split whose normal rows train the autoencoder. Default: the dataset's official training split (also for
   * random-split models, whose hold-out is then left out again, see `testFraction`).
   */
  trainSplit?: string;
  /**
   * One-file models (random-, time- and group-split): the hold-out fraction the model was trained with, so
   * its test rows are excluded again (same seed and stratification; taxonomy overrides are not recorded in a
   * model directory, so a random-split model trained with them may get a slightly different hold-out).
   * Default 0.2 for random-split, 0.3 for time- and group-split.
   */
  testFraction?: number;
  /** Share of the normal training rows held out to stop training and set the threshold. Default 0.1. */
  validationFraction?: number;
  /** The benign class name. Default 'normal'. */
  normalClass?: string;
  /** Autoencoder options (layers, epochs, batch size…). Default: `anomalyDetectorDefaults`. */
  detector?: Partial<Omit<AnomalyDetectorOptions, 'seed'>>;
  /** Training callbacks (progress bar, history). Default none. */
  callbacks?: Callback[];
  /** Default: silent. */
  progress?: ProgressReporter;
}

export interface ZeroDayTraining {
  /** The fitted detector (still in memory: dispose it when done). */
  detector: AnomalyDetector;
  /** Where it was saved. */
  dir: string;
  trainRows: number;
  validationRows: number;
  /** Wall seconds of the autoencoder's training. */
  trainSeconds: number;
}

/**
 * Zero-day mode, training side: loads the training split the model at `modelDir` was trained on, keeps
 * its normal rows, encodes them with the model's own fitted pipeline, holds out a share for validation,
 * trains the autoencoder and writes it into `<modelDir>/zero-day/` (atomically, replacing an older one).
 * Test splits are never read.
 */
export async function trainZeroDay(options: TrainZeroDayOptions): Promise<ZeroDayTraining> {
  const progress = options.progress ?? silentProgress;
  const { manifest, pipeline } = await readModelDir(options.modelDir);
  const seed = options.seed ?? manifest.seed;
  const data = await normalTrainingRows(manifest, pipeline, options, seed, progress);

  const detector = new AnomalyDetector({ ...options.detector, seed });
  try {
    const started = performance.now();
    await detector.fit(data.train, {
      validation: data.validation,
      falsePositiveRate: options.falsePositiveRate,
      callbacks: options.callbacks,
    });
    const trainSeconds = (performance.now() - started) / 1000;
    detector.info = {
      ...detector.info,
      pipelineSha256: manifest.files[PIPELINE_FILE],
      trainSplit: data.splitName,
      trainRows: data.train.rows,
      validationRows: data.validation.rows,
    };
    const dir = zeroDayDir(options.modelDir);
    await writeDirAtomic(dir, (temp) => detector.save(temp));
    return { detector, dir, trainRows: data.train.rows, validationRows: data.validation.rows, trainSeconds };
  } catch (error) {
    detector.dispose();
    throw error;
  }
}

interface NormalRows {
  train: Matrix;
  validation: Matrix;
  splitName: string;
}

async function normalTrainingRows(
  manifest: ModelManifest,
  pipeline: FeaturePipeline,
  options: TrainZeroDayOptions,
  seed: number,
  progress: ProgressReporter,
): Promise<NormalRows> {
  const dataset = await datasetOf(manifest, options);
  const normalClass = options.normalClass ?? 'normal';
  const { train: split } = await modelSplits(manifest, dataset, {
    trainSplit: options.trainSplit,
    testFraction: options.testFraction,
    searchPath: dataSearchPath(options.dataDir),
    progress,
    withTest: false,
  });
  const splitName = split.name;
  const normalIndex = split.classes.indexOf(normalClass);
  if (normalIndex < 0) {
    throw usageError(`class "${normalClass}" is not a class of ${split.name}: ${split.classes.join(', ')}`);
  }
  const normalRows = Int32Array.from(Array.from(split.y.keys()).filter((i) => split.y[i] === normalIndex));
  if (normalRows.length < 2) {
    throw new IotIdsError(`${split.name} has ${normalRows.length} normal rows; the autoencoder needs more`, {
      location: { file: split.path },
    });
  }
  const normal = subsetSplit(split, normalRows, splitName);
  // One class only: the stratified split is then a seeded random hold-out of the normal rows.
  const parts = stratifiedSplit(new Int32Array(normal.y.length), options.validationFraction ?? 0.1, seed);
  progress.start('encode normal rows');
  const train = pipeline.transform(subsetSplit(normal, parts.train, splitName).table).x;
  const validation = pipeline.transform(subsetSplit(normal, parts.test, splitName).table).x;
  progress.finish(`${train.rows} training and ${validation.rows} validation rows`);
  return { train, validation, splitName };
}

async function datasetOf(manifest: ModelManifest, options: TrainZeroDayOptions): Promise<DatasetDefinition> {
  return datasetForModel(manifest, options.modelDir, options.dataset);
}
