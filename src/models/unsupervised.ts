import type { Matrix } from '../preprocess/matrix.js';
import type { Callback } from '../fit/callbacks.js';
import type { FitContext } from './estimator.js';

/** What an unsupervised `fit` takes besides the rows (no labels). */
export interface UnsupervisedFitContext {
  /**
   * Rows taken out of the training data (never test data) for early stopping; the anomaly detector also
   * sets its threshold on them, so it requires them.
   */
  readonly validation?: Matrix;
  /** Run for every training stage besides the estimator's own early stopping (progress, history). */
  readonly callbacks?: readonly Callback[];
  /** Continue from this checkpoint (`--resume`) instead of starting afresh, where the estimator supports it. */
  readonly resumeFrom?: FitContext['resumeFrom'];
}

/**
 * The contract of the unsupervised estimators (the sparse autoencoder, the VAE, the zero-day anomaly
 * detector), after scikit-learn's transformers: options in the constructor (validated there, with a usage
 * error naming the option), `fit(x)` learns from unlabelled rows and resolves to the estimator itself,
 * `transform` maps rows to the learned features, `score` gives one number per row, higher for rows less
 * like the training rows (each model's reconstruction error). Predicting, transforming or saving before
 * `fit` (or a static `load`) throws NotFittedError; rows of another width than the training rows are a
 * usage error. `unsupervised-contract.test.ts` holds every implementation to this.
 */
export interface UnsupervisedEstimator<Options extends object = object> {
  /** Name used in errors, e.g. `sparse autoencoder`. */
  readonly kind: string;
  readonly options: Readonly<Options>;
  /** Whether `fit` has run (or the model was loaded). */
  readonly fitted: boolean;
  /** Width of the rows the fitted model takes. */
  readonly nFeatures: number;
  fit(x: Matrix, context?: UnsupervisedFitContext): Promise<this>;
  /** The learned features of every row: rows × the model's feature count. */
  transform(x: Matrix): Promise<Matrix>;
  /** One score per row, higher = less like the training rows. */
  score(x: Matrix): Promise<Float32Array>;
  /** Writes the learned state into `dir`; returns the file names written. */
  save(dir: string): Promise<string[]>;
  /** Releases engine memory. */
  dispose(): void | Promise<void>;
}
