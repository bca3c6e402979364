import { join } from 'node:path';

import { initEngine, predictInBatches, type Tensor2D } from '../../engine/index.js';
import { IotIdsError, usageError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import { readWeights, writeWeights, type NamedWeights } from '../../fit/weights-file.js';
import { AutoencoderKernel } from './autoencoder-kernel.js';
import {
  encode,
  reconstructionStats,
  sparsityTerm,
  type AutoencoderParameters,
  type SparsityPenalty,
  rowReconstructionErrors,
} from './autoencoder-step.js';
import { resolveSparseAutoencoderOptions, type SparseAutoencoderOptions } from './options.js';
import {
  glorotKernel,
  SaeOptimizer,
  parametersToWeights,
  weightsToParameters,
  zeroBias,
  constantBias,
} from './parameters.js';
import { epochOrder } from './row-batches.js';
import { EpochProgress } from '../epoch-progress.js';
import { runStage, type StageContext } from './stages.js';
import { NotFittedError } from '../fit-input.js';
import type { UnsupervisedEstimator, UnsupervisedFitContext } from '../unsupervised.js';

export const PRETRAIN_STAGE = 'pretrain';

export interface AutoencoderFitContext extends StageContext, UnsupervisedFitContext {}

/**
 * A one-hidden-layer sparse autoencoder used as a feature extractor (self-taught learning): trained
 * without labels to reconstruct its input through a sparse sigmoid code, then `transform` maps rows to
 * codes. Inputs are expected in [0, 1] (the pipeline's min-max scaling), which the sigmoid output layer can
 * reproduce. Loss: ½‖r − x‖² per row, the squared error of Ng's formulation the default β = 3 belongs to
 * (cross-entropy would suit [0, 1] targets too, but would change what β means); see autoencoder-step.ts.
 *
 * Training is the 'pretrain' stage: Adam, one hand-written fused step per batch, its own EarlyStopping on
 * the validation loss (the training loss without validation rows). `loss` and `valLoss` are the objective
 * without weight decay, reconstruction plus sparsity penalty (see `objective`).
 */
export class SparseAutoencoder implements UnsupervisedEstimator<SparseAutoencoderOptions> {
  readonly kind = 'sparse autoencoder';
  readonly options: Readonly<SparseAutoencoderOptions>;
  private state: { params: AutoencoderParameters; optimizer: SaeOptimizer } | null = null;
  private trained = false;

  constructor(options: Partial<SparseAutoencoderOptions> = {}) {
    this.options = Object.freeze(resolveSparseAutoencoderOptions(options));
  }

  /** Whether `fit` has run or the weights were loaded. */
  get fitted(): boolean {
    return this.trained;
  }

  get nFeatures(): number {
    return this.requireParameters()[0].shape[0];
  }

  /**
   * Glorot-uniform weights from the seed for `features` inputs, and a fresh optimiser. Weights already
   * made for that width are kept unless `fresh` (a new fit starts from the seed again).
   */
  initialise(features: number, { fresh = false } = {}): void {
    if (!fresh && this.state && this.state.params[0].shape[0] === features) return;
    this.trained = false;
    const random = new Random(this.options.seed);
    const hidden = this.options.hiddenUnits;
    const params: AutoencoderParameters = [
      glorotKernel('encoder/kernel', features, hidden, random),
      // Hidden units start at the target mean activation ρ instead of 0.5: otherwise the first epochs
      // are spent undoing a KL penalty of ~β·0.5 per unit (≈ 95 for 64 units) before reconstruction counts.
      constantBias('encoder/bias', hidden, Math.log(this.options.rho / (1 - this.options.rho))),
      glorotKernel('decoder/kernel', hidden, features, random),
      zeroBias('decoder/bias', features),
    ];
    const optimizer = new SaeOptimizer(`optimizer/${PRETRAIN_STAGE}`, params, {
      learningRate: this.options.learningRate,
      weightDecay: this.options.weightDecay,
    });
    this.state = { params, optimizer };
  }

  /** Trains on `x` alone (no labels); `context.resumeFrom` continues an interrupted run. */
  async fit(x: Matrix, context: AutoencoderFitContext = {}): Promise<this> {
    await initEngine();
    this.initialise(x.cols, { fresh: true });
    if (context.resumeFrom) this.setWeights(context.resumeFrom.weights, 'the checkpoint');
    const progress = new EpochProgress(this.options.epochs, context.onProgress);
    await runStage(
      {
        name: PRETRAIN_STAGE,
        build: () => this.pretrainStage(x, context.validation),
        epochs: this.options.epochs,
        patience: this.options.patience,
        stageOrder: [PRETRAIN_STAGE],
      },
      context,
      progress,
    );
    this.trained = true;
    progress.finish();
    return this;
  }

  /**
   * The 'pretrain' stage over `x` (early stopping on `validationX` when given). Its weights are the
   * autoencoder's and its optimiser's; a model using it wraps it to checkpoint everything it owns.
   */
  pretrainStage(x: Matrix, validationX?: Matrix): TrainableStage {
    checkInput(x, 'training', x.cols);
    this.initialise(x.cols);
    if (validationX) checkInput(validationX, 'validation', x.cols);
    const { params, optimizer } = this.requireState();
    const o = this.options;
    const penalty: SparsityPenalty = { kind: o.sparsity, rho: o.rho, beta: o.beta, l1: o.l1 };
    let kernel: AutoencoderKernel | undefined;
    return {
      name: PRETRAIN_STAGE,
      batchesPerEpoch: Math.ceil(x.rows / o.batchSize),
      trainEpoch: (epoch, onBatch) => {
        let objective = 0;
        let index = 0;
        // The whole step in wasm (autoencoder-kernel.ts; autoencoder-step.ts is the reference it is tested
        // against): the training matrix goes in once per stage, the weights and moments once per epoch.
        kernel ??= new AutoencoderKernel(x, o.hiddenUnits, Math.min(o.batchSize, x.rows));
        kernel.load(params, optimizer);
        kernel.setOrder(epochOrder(x.rows, o.seed, 0, epoch));
        const constants = optimizer.constants();
        for (let start = 0; start < x.rows; start += o.batchSize) {
          const size = Math.min(o.batchSize, x.rows - start);
          const step = kernel.computeGradients(start, size, penalty);
          kernel.applyAdam(constants, 1 / size);
          objective += step.reconstructionSum + step.penalty * size;
          onBatch(index++, step.reconstructionSum / size + step.penalty);
        }
        kernel.store(params, optimizer);
        return Promise.resolve({ loss: objective / x.rows });
      },
      validate: validationX ? async () => ({ valLoss: await this.objective(validationX) }) : undefined,
      getWeights: () => this.getWeights(),
      setWeights: (weights) => this.setWeights(weights, 'the checkpoint'),
    };
  }

  /** For a model that ran `pretrainStage` itself: the weights are now the trained ones. */
  markFitted(): void {
    this.requireParameters();
    this.trained = true;
  }

  /** Codes of the rows of `x`: rows × hiddenUnits sigmoid activations. */
  async transform(x: Matrix): Promise<Matrix> {
    this.requireFitted();
    await initEngine();
    return this.codes(x);
  }

  /** ½‖r − x‖² of every row: the reconstruction loss the training minimises, higher for unfamiliar rows. */
  async score(x: Matrix): Promise<Float32Array> {
    this.requireFitted();
    await initEngine();
    checkInput(x, 'input', this.nFeatures);
    return rowReconstructionErrors(x, this.requireParameters());
  }

  /** Codes from the current weights, also in the middle of a fit (the engine must be initialised). */
  codes(x: Matrix): Matrix {
    checkInput(x, 'input', this.nFeatures);
    return predictInBatches(x, (xs) => this.encodeTensor(xs as Tensor2D));
  }

  /** The encoder on a batch already on the engine; call inside a tidy. */
  encodeTensor(xs: Tensor2D): Tensor2D {
    const [kernel, bias] = this.requireParameters();
    return encode(xs, kernel, bias);
  }

  /** Mean reconstruction loss (½‖r − x‖² per row) and mean activation per hidden unit over `x`. */
  async reconstruction(x: Matrix): Promise<{ loss: number; meanActivation: Float64Array }> {
    await initEngine();
    checkInput(x, 'input', this.nFeatures);
    const stats = reconstructionStats(x, this.requireParameters());
    return { loss: stats.reconstruction, meanActivation: stats.meanActivation };
  }

  /**
   * The training objective on `x` without weight decay: mean reconstruction loss plus the sparsity
   * penalty of the mean activations over all of `x`. Early stopping watches this rather than the
   * reconstruction alone, which rises for the first epochs while the penalty pulls the activations down.
   */
  async objective(x: Matrix): Promise<number> {
    const { loss, meanActivation } = await this.reconstruction(x);
    const o = this.options;
    const penalty: SparsityPenalty = { kind: o.sparsity, rho: o.rho, beta: o.beta, l1: o.l1 };
    return loss + sparsityTerm(Float32Array.from(meanActivation), penalty).value;
  }

  /** Encoder and decoder parameters (shared with stages that update them, e.g. fine-tuning). */
  get parameters(): AutoencoderParameters {
    return this.requireParameters();
  }

  /** Parameters and optimiser state: what a checkpoint holds. */
  getWeights(into: NamedWeights = {}): NamedWeights {
    const { params, optimizer } = this.requireState();
    parametersToWeights(params, into);
    return optimizer.stateWeights(into);
  }

  setWeights(weights: NamedWeights, source: string): void {
    const { params, optimizer } = this.requireState();
    weightsToParameters(weights, params, source);
    optimizer.setStateWeights(weights, source);
  }

  /** Writes `<name>.bin` / `<name>.json` (parameters only) into `dir`; returns the file names. */
  async save(dir: string, name = 'autoencoder'): Promise<string[]> {
    this.requireFitted();
    return writeWeights(dir, name, parametersToWeights(this.requireParameters()));
  }

  static async load(
    dir: string,
    options: Partial<SparseAutoencoderOptions>,
    name = 'autoencoder',
  ): Promise<SparseAutoencoder> {
    const weights = await readWeights(dir, name);
    const file = join(dir, `${name}.json`);
    const kernel = weights['encoder/kernel'] as NamedWeights[string] | undefined;
    if (kernel === undefined || kernel.shape.length !== 2) {
      throw new IotIdsError('weight "encoder/kernel" is missing or not a matrix', {
        location: { file, field: 'encoder/kernel' },
      });
    }
    const model = new SparseAutoencoder(options);
    model.initialise(kernel.shape[0]);
    weightsToParameters(weights, model.requireParameters(), file);
    model.trained = true;
    return model;
  }

  /** Drops the weights; nothing stays on the engine between calls. */
  dispose(): Promise<void> {
    this.state = null;
    this.trained = false;
    return Promise.resolve();
  }

  private requireParameters(): AutoencoderParameters {
    return this.requireState().params;
  }

  private requireState(): { params: AutoencoderParameters; optimizer: SaeOptimizer } {
    if (!this.state) {
      throw new NotFittedError('sparse autoencoder');
    }
    return this.state;
  }

  private requireFitted(): void {
    if (!this.trained) {
      throw new NotFittedError('sparse autoencoder');
    }
  }
}

/** Shape and finiteness checks with the row and column of the first bad value. */
export function checkInput(x: Matrix, what: string, features: number): void {
  if (x.cols !== features) {
    throw usageError(`sparse autoencoder: ${what} has ${x.cols} features, the model has ${features}`);
  }
  if (what === 'training' && x.rows === 0)
    throw usageError('sparse autoencoder: the training matrix is empty');
  const data = x.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw usageError(
        `sparse autoencoder: ${what} value ${data[i]} at row ${Math.floor(i / x.cols)}, column ${i % x.cols} is not finite`,
      );
    }
  }
}
