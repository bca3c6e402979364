import { join } from 'node:path';
import { IotIdsError, usageError } from '../../errors.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { Adam } from '../../fit/adam.js';
import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import { readWeights, writeWeights, type NamedWeights } from '../../fit/weights-file.js';
import { BatchFeatures } from './batch-features.js';
import { resolveSvmOptions, type SvmOptions } from './options.js';
import { RandomFourierFeatures, scaleGamma } from './random-fourier.js';
import { decisionValues } from './squared-hinge.js';
import { SCORING_BATCH, SVM_STAGE, svmStage } from './svm-stage.js';
import {
  SVM_WEIGHT_NAMES,
  svmFromNamedWeights,
  svmToNamedWeights,
  type SvmAdamState,
  type SvmState,
} from './svm-weights.js';
import { balancedClassWeights } from '../class-weights.js';
import { softmaxRows } from '../softmax-rows.js';
import { checkFitInput, NotFittedError, requireFinite } from '../fit-input.js';

export type { SvmOptions } from './options.js';

/**
 * Multi-class SVM, one-vs-rest, trained in the primal with mini-batch Adam on the squared hinge loss plus
 * L2 (see options.ts for the relation to scikit-learn's C). 'rbf' runs the same linear SVM on random
 * Fourier features. Plain TypeScript on Float32Arrays: a linear model on NSL-KDD is a few hundred
 * multiply-adds per row, far below what a trip into the tfjs engine costs per batch. Only the RBF kernel's
 * projection xW runs in the engine (random-fourier.ts), where it pays 5–10×.
 *
 * `predictProba` returns the decision values (margins), rows × nClasses, not probabilities: higher means
 * more likely, which is all that arg-max prediction and ROC-AUC need. Weights start at zero (the objective
 * is convex), so the seed decides only the random features and the batch order.
 */
export class SvmClassifier extends BaseClassifier<SvmOptions> {
  readonly kind = 'svm';
  readonly outputKind = 'margins';
  readonly options: Readonly<SvmOptions>;
  private state: SvmState | null = null;
  private adam: Adam | null = null;

  constructor(options?: Partial<SvmOptions>) {
    super();
    this.options = Object.freeze(resolveSvmOptions(options));
  }

  get fitted(): boolean {
    return this.state !== null;
  }

  /** Classes and input features of the fitted model. */
  get shape(): { nClasses: number; nFeatures: number } {
    const { head, rff } = this.requireFitted();
    return { nClasses: head.nClasses, nFeatures: rff ? rff.inputDim : head.nFeatures };
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    const o = this.options;
    const nClasses = context.nClasses;
    checkFitInput('svm', x, y, nClasses);
    if (context.validation) {
      checkFitInput('svm', context.validation.x, context.validation.y, nClasses, { what: 'validation' });
      if (context.validation.x.cols !== x.cols) {
        throw usageError(`svm: validation has ${context.validation.x.cols} features, training ${x.cols}`);
      }
    }
    if (context.resumeFrom) {
      this.setWeights(context.resumeFrom.weights);
      this.checkResumedShape(x.cols, nClasses);
    } else {
      this.state = this.initialState(x, nClasses);
      this.adam = null;
    }
    const state = this.requireFitted();
    if (state.rff) await RandomFourierFeatures.ready();
    this.adam ??= this.newAdam(state);

    const startEpoch = resumeStartEpoch(context.resumeFrom, SVM_STAGE, [SVM_STAGE]);
    const classWeights = o.classWeight === 'balanced' ? balancedClassWeights(y, nClasses) : null;
    const stage = svmStage({
      x,
      y,
      rowWeights: classWeights ? Float32Array.from(y, (c) => classWeights[c]) : null,
      validation: context.validation,
      classWeights,
      batchSize: o.batchSize,
      seed: o.seed,
      model: {
        state: () => this.requireFitted(),
        adam: () => this.adam ?? this.resetAdam(),
        getWeights: () => this.getWeights(),
        setWeights: (w) => this.setWeights(w),
      },
    });
    const startAt = startEpoch === 'skip' ? o.epochs : startEpoch;
    const total = o.epochs * stage.batchesPerEpoch;
    const callbacks: Callback[] = [
      new EarlyStopping({ monitor: 'valLoss', patience: o.patience, restoreBestWeights: true }),
      ...(context.callbacks ?? []),
    ];
    if (context.onProgress) {
      const report = context.onProgress;
      callbacks.push({
        onBatchEnd: ({ epoch, batch, batchesPerEpoch }) =>
          report(epoch * batchesPerEpoch + batch + 1, total, 'batches'),
      });
    }
    try {
      await fitStage(stage, {
        epochs: o.epochs,
        callbacks,
        startEpoch: startAt,
        resumeFrom: context.resumeFrom,
      });
    } catch (error) {
      // A half-trained model must not pass for a fitted one (the checkpoints on disk keep the good epochs).
      this.state = null;
      this.adam = null;
      throw error;
    }
    // Early stopping ends before the planned batches; the bar still ends full.
    context.onProgress?.(total, total, 'batches');
    return this;
  }

  /** Decision values (margins), rows × nClasses; higher means more likely, they need not sum to 1. */
  async decisionFunction(x: Matrix): Promise<Matrix> {
    if (this.requireFitted().rff) await RandomFourierFeatures.ready();
    return this.margins(x);
  }

  /** The softmax of the margins (not calibrated probabilities). */
  async predictProba(x: Matrix): Promise<Matrix> {
    return softmaxRows(await this.decisionFunction(x));
  }

  /** Writes `<prefix>.bin` and `<prefix>.json` (checksummed); a composite model passes its own prefix. */
  async save(dir: string, prefix = 'svm'): Promise<string[]> {
    return writeWeights(dir, prefix, svmToNamedWeights(this.requireFitted()));
  }

  static async load(dir: string, options: Partial<SvmOptions>, prefix = 'svm'): Promise<SvmClassifier> {
    const model = new SvmClassifier(options);
    const file = join(dir, `${prefix}.bin`);
    const { state } = svmFromNamedWeights(await readWeights(dir, prefix), { file });
    const savedKernel = state.rff ? 'rbf' : 'linear';
    if (savedKernel !== model.options.kernel) {
      throw new IotIdsError(
        `the saved SVM uses the ${savedKernel} kernel but the options say "${model.options.kernel}"`,
        { location: { file, field: 'kernel' } },
      );
    }
    if (state.rff && state.rff.components !== model.options.rffComponents) {
      throw new IotIdsError(
        `the saved SVM has ${state.rff.components} random features but the options say ${model.options.rffComponents}`,
        { location: { file, field: 'rffComponents' } },
      );
    }
    model.state = state;
    return model;
  }

  /**
   * The learned tensors (names start with `svm/`), plus the optimiser state while or after training, as
   * copies: what a checkpoint stores, alone or inside a composite model's checkpoint.
   */
  getWeights(): NamedWeights {
    return svmToNamedWeights(this.requireFitted(), this.adam ?? undefined);
  }

  /** Replaces the learned state (and optimiser state, when present); names without `svm/` are ignored. */
  setWeights(weights: NamedWeights): void {
    const { state, adam } = svmFromNamedWeights(weights, {});
    this.state = state;
    this.adam = adam ? this.newAdam(state, adam) : null;
  }

  dispose(): Promise<void> {
    this.state = null;
    this.adam = null;
    return Promise.resolve();
  }

  private margins(x: Matrix): Matrix {
    const state = this.requireFitted();
    const { nClasses, nFeatures } = this.shape;
    if (x.cols !== nFeatures) {
      throw usageError(`svm: input has ${x.cols} features, the model was trained on ${nFeatures}`);
    }
    requireFinite('svm', x, 'predict');
    const out = new Float32Array(x.rows * nClasses);
    const features = new BatchFeatures(x, state.rff, 0);
    const rowsAtOnce = Math.max(1, Math.min(SCORING_BATCH, x.rows));
    const z = new Float32Array(rowsAtOnce * features.dim);
    for (let start = 0; start < x.rows; start += rowsAtOnce) {
      const end = Math.min(start + rowsAtOnce, x.rows);
      features.gather(null, start, end, z);
      decisionValues(state.head, z, end - start, out.subarray(start * nClasses, end * nClasses));
    }
    return createMatrix(x.rows, nClasses, out);
  }

  private initialState(x: Matrix, nClasses: number): SvmState {
    const o = this.options;
    let rff: RandomFourierFeatures | null = null;
    if (o.kernel === 'rbf') {
      const gamma = o.gamma === 'scale' ? scaleGamma(x) : o.gamma;
      rff = RandomFourierFeatures.sample(x.cols, o.rffComponents, gamma, new Random(o.seed));
    }
    const nFeatures = rff ? rff.components : x.cols;
    return {
      head: {
        nClasses,
        nFeatures,
        weight: new Float32Array(nClasses * nFeatures),
        bias: new Float32Array(nClasses),
      },
      rff,
    };
  }

  private checkResumedShape(cols: number, nClasses: number): void {
    const shape = this.shape;
    const kernel = this.requireFitted().rff ? 'rbf' : 'linear';
    if (shape.nFeatures !== cols || shape.nClasses !== nClasses || kernel !== this.options.kernel) {
      throw new IotIdsError(
        `cannot resume: the checkpoint holds a ${kernel} SVM for ${shape.nFeatures} features and ${shape.nClasses} classes, this run has a ${this.options.kernel} SVM for ${cols} features and ${nClasses} classes`,
      );
    }
  }

  private resetAdam(): Adam {
    this.adam = this.newAdam(this.requireFitted());
    return this.adam;
  }

  /**
   * The optimiser over the decision functions, with coupled L2 on the weights (part of the objective the SVM
   * minimises) and none on the biases; `saved` continues a checkpoint's moments.
   */
  private newAdam(state: SvmState, saved?: SvmAdamState): Adam {
    const { head } = state;
    const adam = new Adam(
      [
        ['weight', head.weight],
        ['bias', head.bias],
      ],
      { learningRate: this.options.learningRate, decay: [this.options.l2, 0] },
    );
    if (saved) {
      saved.moments.forEach(([m, v], k) => {
        adam.moments(k).m.set(m);
        adam.moments(k).v.set(v);
      });
      adam.restoreIterations(saved.step, 'checkpoint', SVM_WEIGHT_NAMES.adamStep);
    }
    return adam;
  }

  private requireFitted(): SvmState {
    if (!this.state) throw new NotFittedError('svm');
    return this.state;
  }
}
