import type { DedupMode, ProtocolName, TaskName } from '../data/run-names.js';
import type { TimeSplitBy } from '../preprocess/time-split.js';
import type { PipelineOptions } from '../preprocess/pipeline.js';
import type { ValidationScheme } from './validation-schemes.js';

export type { DedupMode } from '../data/run-names.js';

/** Training-set resampling, applied after the train/validation split and only to the training part. */
export interface ResampleOptions {
  /** SMOTE minority classes up to `smoteRatio` × the majority count. Default off. */
  smote?: boolean;
  /** Target ratio for SMOTE. Default 1. */
  smoteRatio?: number;
  /** Neighbours for SMOTE. Default 5. */
  smoteK?: number;
  /** Cap every class at this many rows by random undersampling. Default off. */
  undersampleMaxPerClass?: number;
}

/** Everything one training run needs: the CLI, `compare` and tests all build one of these. */
export interface RunSpec {
  /** Built-in dataset name or a schema file path. */
  dataset: string;
  /** Default: the first task the dataset supports. */
  task?: TaskName;
  /** Default: the schema's protocol, else the most honest one the dataset can run (see data/protocols.ts). */
  protocol?: ProtocolName;
  model: string;
  /** Model options, already validated for `model`. */
  modelOptions: Record<string, unknown>;
  seed: number;
  /** Output directory of the run (metrics.json, model/). */
  out: string;
  /** Data directory given with --data-dir (lookup continues with IOT_IDS_DATA_DIR, then the cache). */
  dataDir?: string;
  /** Use this split as the training file instead of the protocol's (e.g. KDDTrain+_20Percent for quick runs). */
  trainSplit?: string;
  /** Fraction of the training rows held out for validation (models that use it). Default 0.1. */
  validationFraction?: number;
  /**
   * How validation rows are chosen (train/validation-split.ts). Default: `random` for models that train in
   * epochs and none for the others; set, it gives every model validation rows, scored into metrics.json.
   */
  validation?: ValidationScheme;
  /**
   * One-file protocols: fraction of the source file held out as the test split. Default 0.2 for random-split,
   * 0.3 for time-split (the latest 30 %) and group-split.
   */
  testFraction?: number;
  /** time-split: cut by rows (default) or at the mark of the elapsed time (see preprocess/time-split.ts). */
  timeSplitBy?: TimeSplitBy;
  /** Raw-label → category overrides for the taxonomy, e.g. { httptunnel: 'r2l' }. */
  taxonomyOverrides?: Record<string, string>;
  pipeline?: PipelineOptions;
  /** Apply log1p to the dataset's heavy-tailed count columns (its schema's `logColumns`). Default false. */
  log1p?: boolean;
  /**
   * Feature columns left out of the run: read and checked like every column, seen by no model (they become
   * `ignore` columns of the dataset the model directory records). Default none.
   */
  dropFeatures?: readonly string[];
  resample?: ResampleOptions;
  /**
   * Remove exact duplicate rows. `train-only` (or `true`): from the training data only, after a one-file
   * protocol's hold-out, which keeps its duplicates so the overlap stays visible. `before-split`: from the
   * whole source file before it is divided (and, under `official`, from each file on its own). Default off.
   */
  dedup?: boolean | DedupMode;
  /** Deep models: continue from `<out>/checkpoints/last` when it exists. Default false. */
  resume?: boolean;
  /**
   * Read no test split: a run that only serves model selection on its validation rows (metrics.json then
   * has no test figures). Default false.
   */
  skipTests?: boolean;
  /** First rejected input row is fatal. Default false. */
  strict?: boolean;
}
