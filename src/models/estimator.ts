import { IotIdsError } from '../errors.js';
import type { Matrix } from '../preprocess/matrix.js';
import type { Callback } from '../fit/callbacks.js';
import type { CheckpointState } from '../fit/model-checkpoint.js';
import type { NamedWeights } from '../fit/weights-file.js';

/**
 * The estimator contract every model follows (after scikit-learn): the constructor takes options only,
 * `fit` learns and resolves to the estimator itself, learned state lives apart from the options and is
 * what `save` writes. `predictProba` returns rows × nClasses probabilities, row-major, summing to 1 per row.
 * Helpers every classifier shares (the fit-input check, NotFittedError) are in fit-input.ts.
 */
export interface FitContext {
  /** Number of classes; `y` values are in [0, nClasses). */
  readonly nClasses: number;
  /** Called with work done so far, for progress bars. */
  readonly onProgress?: (done: number, total: number, detail?: string) => void;
  /** Optional validation set taken out of the training split (never the test split). */
  readonly validation?: { readonly x: Matrix; readonly y: Int32Array };
  /** Deep models: callbacks run for every stage (progress bar, checkpoints, history) besides their own. */
  readonly callbacks?: readonly Callback[];
  /** Deep models: continue from this checkpoint (`--resume`) instead of starting afresh. */
  readonly resumeFrom?: { readonly state: CheckpointState; readonly weights: NamedWeights };
}

/**
 * What a classifier's own scores are. `probabilities`: `predictProba` is the model's output. `margins`:
 * the model computes decision values (`decisionFunction`, higher = more likely, unbounded); its
 * `predictProba` is their row-wise softmax, a monotone rescaling and not a calibration.
 */
export type OutputKind = 'probabilities' | 'margins';

export interface Classifier<Options extends object = object> {
  /** Model kind as used by `--model`, e.g. `rf`. */
  readonly kind: string;
  readonly outputKind: OutputKind;
  readonly options: Readonly<Options>;
  /** Whether `fit` has run (or the model was loaded). */
  readonly fitted: boolean;
  fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this>;
  predictProba(x: Matrix): Promise<Matrix>;
  /** Margin models: the decision values, rows × nClasses. */
  decisionFunction?(x: Matrix): Promise<Matrix>;
  /** The arg-max of the scores per row. */
  predict(x: Matrix): Promise<Int32Array>;
  /** Writes learned state into `dir` (files named by the model); returns the file names written. */
  save(dir: string): Promise<string[]>;
  /** Releases workers or engine memory. */
  dispose(): Promise<void>;
}

/**
 * What every classifier shares beyond the interface: `predict` is derived from the scores (the arg-max of
 * `decisionFunction` for a margin model, of `predictProba` otherwise), so no model writes it. Subclasses
 * call `super()` first and implement the rest of `Classifier`.
 */
export abstract class BaseClassifier<Options extends object = object> implements Classifier<Options> {
  abstract readonly kind: string;
  abstract readonly outputKind: OutputKind;
  abstract readonly options: Readonly<Options>;
  abstract get fitted(): boolean;
  abstract fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this>;
  abstract predictProba(x: Matrix): Promise<Matrix>;
  abstract save(dir: string): Promise<string[]>;
  abstract dispose(): Promise<void>;

  async predict(x: Matrix): Promise<Int32Array> {
    return argmaxRows(await scoresOf(this, x));
  }
}

/** Arg-max per row of a rows × k score matrix. */
export function argmaxRows(scores: Matrix): Int32Array {
  const out = new Int32Array(scores.rows);
  const k = scores.cols;
  for (let i = 0; i < scores.rows; i++) {
    let best = 0;
    let bestValue = scores.data[i * k];
    for (let j = 1; j < k; j++) {
      const v = scores.data[i * k + j];
      if (v > bestValue) {
        bestValue = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * The scores evaluation ranks rows by (ROC curves, AUC): the decision values of a margin model, the
 * probabilities otherwise. Their arg-max is the prediction either way.
 */
export function scoresOf(model: Classifier, x: Matrix): Promise<Matrix> {
  if (model.outputKind === 'margins') {
    if (!model.decisionFunction) {
      throw new IotIdsError(`${model.kind}: a margin model must provide decisionFunction`);
    }
    return model.decisionFunction(x);
  }
  return model.predictProba(x);
}
