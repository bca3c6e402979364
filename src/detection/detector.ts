import type { DatasetSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { argmaxRows, type Classifier } from '../models/estimator.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import type { ModelManifest } from '../models/model-dir.js';
import type { FeaturePipeline } from '../preprocess/pipeline.js';
import type { AnomalyDetector } from '../models/zero-day/anomaly-detector.js';
import { anomalousMask } from '../models/zero-day/threshold.js';
import { ANOMALY_CLASS } from '../models/zero-day/combine.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { isAlert, resolveAlertRules, type AlertRules } from './alert-rules.js';

export interface DetectorOptions {
  /**
   * Alert threshold per attack class name: the probability the predicted class needs to raise an alert.
   * Unknown class names are a usage error. Default 0.5 (`DEFAULT_ALERT_THRESHOLD`) for every class not
   * listed.
   */
  thresholds?: Record<string, number>;
  /** The class that means benign traffic; it never raises an alert. Default 'normal'. */
  normalClass?: string;
  /**
   * Zero-day mode (`Detector.load` only): `true` attaches the model's own anomaly detector
   * (`<modelDir>/zero-day/`, trained by `iot-ids zero-day`), a string one in that directory. Records the
   * classifier calls normal but the autoencoder finds anomalous are then predicted as the extra class
   * `anomaly` and alert. Default: none.
   */
  zeroDay?: boolean | string;
}

/** The verdict on one record. */
export interface Prediction {
  /** The predicted (arg-max) class. */
  label: string;
  /** Its probability. */
  probability: number;
  /** Every class's probability (softmax of the margins for SVM-type models, see `margin-softmax.ts`). */
  probabilities: Record<string, number>;
  /** The label is an attack class and `probability` reaches its threshold, or the label is `anomaly`. */
  alert: boolean;
  /** Zero-day mode: the record's reconstruction error (anomalous above the detector's threshold). */
  anomalyScore?: number;
}

/** A scored table in columnar form (cheaper than `Prediction` objects when writing many rows). */
export interface ScoredTable {
  /** rows × classes, rows summing to 1. */
  probabilities: Matrix;
  /** Class index per row. */
  predicted: Int32Array;
  /** 1 where the row raises an alert. */
  alerts: Uint8Array;
  /** Per categorical column, rows whose value the training data never had (encoded as all zeros). */
  unknownCategories: Record<string, number>;
  /** Values forced into the training range by the pipeline. */
  clipped: number;
  /** Zero-day mode: every row's reconstruction error. */
  anomalyScores?: Float32Array;
}

export interface SavedModelParts {
  manifest: ModelManifest;
  pipeline: FeaturePipeline;
  model: Classifier;
}

/**
 * A trained model ready to score traffic: the fitted feature pipeline, the classifier and the alert rules.
 * Tables come from `streamRecordBatches` (files, stdin) or `recordsToTable` (JSON); they are encoded with
 * the pipeline exactly as the test split was at evaluation time, so a detector's verdicts on a labelled
 * file are the predictions the evaluation scored.
 */
export class Detector {
  readonly rules: AlertRules;
  /** The classifier's classes, plus `anomaly` in zero-day mode. */
  readonly classes: readonly string[];

  private constructor(
    readonly manifest: ModelManifest,
    readonly pipeline: FeaturePipeline,
    readonly model: Classifier,
    /** Where the model came from, for messages. */
    readonly source: string,
    options: DetectorOptions,
    /** Zero-day mode's anomaly detector, when attached. */
    readonly anomaly?: AnomalyDetector,
  ) {
    this.rules = resolveAlertRules(manifest.classes, options.normalClass ?? 'normal', options.thresholds);
    if (anomaly && manifest.classes.includes(ANOMALY_CLASS)) {
      throw new IotIdsError(
        `the model in ${source} has a class named "${ANOMALY_CLASS}", which zero-day mode adds itself`,
        { kind: 'usage' },
      );
    }
    this.classes = anomaly ? [...manifest.classes, ANOMALY_CLASS] : manifest.classes;
  }

  /** Loads and verifies a model directory (manifest, checksums, pipeline, model, zero-day detector). */
  static async load(modelDir: string, options: DetectorOptions = {}): Promise<Detector> {
    const parts = await loadSavedModel(modelDir);
    let anomaly: AnomalyDetector | undefined;
    try {
      if (options.zeroDay) {
        const dir = typeof options.zeroDay === 'string' ? options.zeroDay : undefined;
        // Imported here: the autoencoder loads TF.js (≈ 40 MB), which a forest without --zero-day never needs.
        const { loadZeroDay } = await import('../models/zero-day/zero-day-dir.js');
        anomaly = await loadZeroDay(modelDir, parts.manifest, dir);
      }
      return new Detector(parts.manifest, parts.pipeline, parts.model, modelDir, options, anomaly);
    } catch (error) {
      anomaly?.dispose();
      await parts.model.dispose();
      throw error;
    }
  }

  /** A detector around parts already in memory (a model just trained, or test doubles). */
  static fromParts(parts: SavedModelParts, options: DetectorOptions = {}, source = 'model'): Detector {
    return new Detector(parts.manifest, parts.pipeline, parts.model, source, options);
  }

  /**
   * The columns the model was trained on, as a schema for JSON records (`recordsToTable`). Delimiter and
   * header are not stored in a model directory, so files are read with the dataset's own schema instead.
   */
  get inputSchema(): DatasetSchema {
    return {
      name: this.manifest.dataset,
      columns: this.manifest.inputColumns,
      header: false,
      delimiter: ',',
    };
  }

  /** The classifier's probabilities for an already encoded feature matrix (rows × its classes). */
  async probabilitiesOf(x: Matrix): Promise<Matrix> {
    const scores = await this.model.predictProba(x);
    const k = this.manifest.classes.length;
    if (scores.rows !== x.rows || scores.cols !== k) {
      throw new IotIdsError(
        `model in ${this.source} returned ${scores.rows} × ${scores.cols} scores for ${x.rows} rows and ` +
          `${k} classes`,
      );
    }
    // Margin models return the softmax of their margins here (outputKind 'margins'), so one set of alert
    // thresholds reads the same for every model.
    return scores;
  }

  async scoreTable(table: Table): Promise<ScoredTable> {
    const { x, unknownCategories, clipped } = this.pipeline.transform(table);
    const probabilities = await this.probabilitiesOf(x);
    const predicted = argmaxRows(probabilities);
    const alerts = new Uint8Array(table.nRows);
    const k = this.manifest.classes.length;
    for (let i = 0; i < table.nRows; i++) {
      const c = predicted[i];
      alerts[i] = isAlert(this.rules, c, probabilities.data[i * k + c]) ? 1 : 0;
    }
    const scored: ScoredTable = { probabilities, predicted, alerts, unknownCategories, clipped };
    return this.anomaly
      ? withAnomalyClass(scored, await this.anomaly.score(x), this.anomaly.threshold, this.rules.normalIndex)
      : scored;
  }

  async score(table: Table): Promise<Prediction[]> {
    return this.predictions(await this.scoreTable(table));
  }

  predictions(scored: ScoredTable): Prediction[] {
    const classes = this.classes;
    const k = classes.length;
    const data = scored.probabilities.data;
    return Array.from(scored.predicted, (c, i): Prediction => ({
      label: classes[c],
      probability: data[i * k + c],
      // fromEntries defines own properties, so a class named "__proto__" stays plain data.
      probabilities: Object.fromEntries(classes.map((name, j) => [name, data[i * k + j]])),
      alert: scored.alerts[i] === 1,
      ...(scored.anomalyScores ? { anomalyScore: scored.anomalyScores[i] } : {}),
    }));
  }

  async dispose(): Promise<void> {
    this.anomaly?.dispose();
    await this.model.dispose();
  }
}

/**
 * Zero-day mode on a scored table: one more class, `anomaly`, last. A row the classifier calls normal whose
 * reconstruction error is above the threshold (`combineWithClassifier`) is predicted `anomaly` and alerts;
 * the probability the classifier gave to normal moves to `anomaly` (so rows still sum to 1, and the
 * arg-max is the verdict). Every other row keeps the classifier's verdict and probabilities, `anomaly` 0.
 */
function withAnomalyClass(
  scored: ScoredTable,
  errors: Float32Array,
  threshold: number,
  normalIndex: number,
): ScoredTable {
  const { rows, cols: k } = scored.probabilities;
  const flagged = anomalousMask(errors, threshold);
  const data = new Float32Array(rows * (k + 1));
  const predicted = scored.predicted.slice();
  const alerts = scored.alerts.slice();
  for (let i = 0; i < rows; i++) {
    data.set(scored.probabilities.data.subarray(i * k, (i + 1) * k), i * (k + 1));
    if (predicted[i] === normalIndex && flagged[i] === 1) {
      data[i * (k + 1) + k] = data[i * (k + 1) + normalIndex];
      data[i * (k + 1) + normalIndex] = 0;
      predicted[i] = k;
      alerts[i] = 1;
    }
  }
  return {
    ...scored,
    probabilities: createMatrix(rows, k + 1, data),
    predicted,
    alerts,
    anomalyScores: errors,
  };
}
