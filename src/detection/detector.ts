import type { DatasetSchema } from '../data/schema.js';
import type { Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { argmaxRows, type Classifier } from '../models/estimator.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import type { ModelManifest } from '../models/model-dir.js';
import type { Matrix } from '../preprocess/matrix.js';
import type { FeaturePipeline } from '../preprocess/pipeline.js';
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
}

/** The verdict on one record. */
export interface Prediction {
  /** The predicted (arg-max) class. */
  label: string;
  /** Its probability. */
  probability: number;
  /** Every class's probability (softmax of the margins for SVM-type models, see `margin-softmax.ts`). */
  probabilities: Record<string, number>;
  /** The label is an attack class and `probability` reaches its threshold. */
  alert: boolean;
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

  private constructor(
    readonly manifest: ModelManifest,
    readonly pipeline: FeaturePipeline,
    readonly model: Classifier,
    /** Where the model came from, for messages. */
    readonly source: string,
    options: DetectorOptions,
  ) {
    this.rules = resolveAlertRules(manifest.classes, options.normalClass ?? 'normal', options.thresholds);
  }

  /** Loads and verifies a model directory (manifest, checksums, pipeline, model). */
  static async load(modelDir: string, options: DetectorOptions = {}): Promise<Detector> {
    const parts = await loadSavedModel(modelDir);
    try {
      return new Detector(parts.manifest, parts.pipeline, parts.model, modelDir, options);
    } catch (error) {
      await parts.model.dispose();
      throw error;
    }
  }

  /** A detector around parts already in memory (a model just trained, or test doubles). */
  static fromParts(parts: SavedModelParts, options: DetectorOptions = {}, source = 'model'): Detector {
    return new Detector(parts.manifest, parts.pipeline, parts.model, source, options);
  }

  get classes(): readonly string[] {
    return this.manifest.classes;
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

  /** Probabilities for an already encoded feature matrix (rows × classes). */
  async probabilitiesOf(x: Matrix): Promise<Matrix> {
    const scores = await this.model.predictProba(x);
    if (scores.rows !== x.rows || scores.cols !== this.classes.length) {
      throw new IotIdsError(
        `model in ${this.source} returned ${scores.rows} × ${scores.cols} scores for ${x.rows} rows and ` +
          `${this.classes.length} classes`,
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
    const k = this.classes.length;
    for (let i = 0; i < table.nRows; i++) {
      const c = predicted[i];
      alerts[i] = isAlert(this.rules, c, probabilities.data[i * k + c]) ? 1 : 0;
    }
    return { probabilities, predicted, alerts, unknownCategories, clipped };
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
    }));
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
