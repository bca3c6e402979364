import { join } from 'node:path';
import {
  initEngine,
  predictInBatches,
  ops,
  type Tensor1D,
  type Tensor2D,
  type Variable,
} from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import type { FitContext } from '../estimator.js';
import { readWeights, writeWeights, type NamedWeights } from '../../fit/weights-file.js';
import { Adam } from '../../fit/adam.js';
import { forwardLayers } from './dense-chain.js';
import { checkFeatures } from './input-checks.js';
import { resolveVaeOptions, type VaeOptions } from './options.js';
import { VaeParameters } from './vae-parameters.js';
import { VAE_STAGE, VaeStage } from './vae-stage.js';
import { evaluateVae, posterior, rowReconstructionErrors, type VaeEvaluation } from './vae-step.js';
import { NotFittedError } from '../fit-input.js';
import type { UnsupervisedEstimator, UnsupervisedFitContext } from '../unsupervised.js';

export type { VaeOptions } from './options.js';

/** Base name of the saved weights (`vae-weights.bin` + `vae-weights.json`), after the optional prefix. */
export const VAE_WEIGHTS = 'vae-weights';

/** Rows per engine call in `transform`: large batches amortise the per-call cost. */
const TRANSFORM_BATCH_SIZE = 8192;

export interface VaeFitContext extends UnsupervisedFitContext {
  /** Validation rows (from the training data) for early stopping on the sample-free validation loss. */
  readonly validation?: Matrix;
  /** Run for the 'vae' stage besides the VAE's own early stopping (progress, checkpoints, history). */
  readonly callbacks?: readonly Callback[];
  /** Continue from this checkpoint (`--resume`); see `fit`. */
  readonly resumeFrom?: FitContext['resumeFrom'];
  /** Stage names of the whole model in training order, for resuming. Default ['vae']. */
  readonly stageOrder?: readonly string[];
  /** Prepended to the weight names in this stage's checkpoints and read back on resume. Default ''. */
  readonly weightPrefix?: string;
}

/**
 * Variational autoencoder used as a feature extractor (AUTODEEP-ID, Khan & William): the encoder maps a
 * row to the mean μ and log-variance of a Gaussian q(z|x) over `latentSize` dimensions, training samples
 * z = μ + σ·ε (ε ~ N(0, I), the reparameterisation trick) for the decoder, and the loss is reconstruction
 * + β·KL(q(z|x) ‖ N(0, I)) (vae-loss.ts). At inference the features are μ: deterministic, no sampling.
 *
 * Training is a hand-written loop (vae-step.ts) over plain-array weights with Adam; the encoder's μ path is
 * also kept as engine variables, which `transform` and `encodeTensor` use and which a composite model may
 * fine-tune through the tape (`trainableEncoderVariables`). Those variables are authoritative once they
 * exist: `getWeights` and `save` read them back.
 *
 * Same seed ⇒ same weights and features on the same machine: the initial weights come from `seed`, row
 * order and noise from (seed, epoch).
 */
export class VariationalAutoencoder implements UnsupervisedEstimator<VaeOptions> {
  readonly kind = 'variational autoencoder';
  readonly options: Readonly<VaeOptions>;
  private params: VaeParameters | null = null;
  /** Kernel and bias of each layer of the μ path, input side first. */
  private variables: Variable[] | null = null;

  constructor(options?: Partial<VaeOptions>) {
    const resolved = resolveVaeOptions(options);
    this.options = Object.freeze({
      ...resolved,
      encoderUnits: Object.freeze([...resolved.encoderUnits]) as number[],
    });
  }

  get fitted(): boolean {
    return this.params !== null;
  }

  /** Width of the rows the model takes; 0 before fit. */
  get nFeatures(): number {
    return this.params?.features ?? 0;
  }

  /**
   * Unsupervised fit on `x` (stage 'vae'), starting from freshly seeded weights. With `resumeFrom`: when
   * the checkpoint is from this stage, its weights and optimizer state are restored and training continues
   * after its epoch; when it is from a later stage of `stageOrder`, the VAE weights are taken from it (or
   * kept, if the caller already set them) and nothing is trained.
   */
  async fit(x: Matrix, context: VaeFitContext = {}): Promise<this> {
    const o = this.options;
    checkFeatures(x, 'training', { unitInterval: o.reconstruction === 'bce' });
    const validation = context.validation && context.validation.rows > 0 ? context.validation : undefined;
    if (validation)
      checkFeatures(validation, 'validation', { cols: x.cols, unitInterval: o.reconstruction === 'bce' });
    await initEngine();
    const prefix = context.weightPrefix ?? '';
    const start = resumeStartEpoch(context.resumeFrom, VAE_STAGE, context.stageOrder ?? [VAE_STAGE]);
    if (start === 'skip') {
      const weights = context.resumeFrom?.weights ?? {};
      if (`${prefix}encoder/dense_0/kernel` in weights) this.setWeights(weights, prefix);
      else if (!this.params) {
        throw new IotIdsError(`vae: the checkpoint holds no VAE weights (looked for "${prefix}encoder/…")`);
      }
      this.requireFeatures(x.cols);
      return this;
    }
    const params = VaeParameters.initial(x.cols, o.encoderUnits, o.latentSize, new Random(o.seed));
    const adam = new Adam(params.trainable(), { learningRate: o.learningRate });
    const stage = new VaeStage(
      params,
      adam,
      { x, validation },
      {
        batchSize: o.batchSize,
        seed: o.seed,
        settings: { reconstruction: o.reconstruction, beta: o.beta },
        weightPrefix: prefix,
      },
    );
    if (start > 0 && context.resumeFrom) stage.setWeights(context.resumeFrom.weights);
    const callbacks: Callback[] = [...(context.callbacks ?? [])];
    if (validation) {
      callbacks.push(
        new EarlyStopping({ monitor: 'valLoss', patience: o.patience, restoreBestWeights: true }),
      );
    }
    await fitStage(stage, { epochs: o.epochs, startEpoch: start, callbacks, resumeFrom: context.resumeFrom });
    this.install(params);
    return this;
  }

  /** The posterior mean μ of every row: rows × latentSize, deterministic. */
  async transform(x: Matrix): Promise<Matrix> {
    await initEngine();
    this.requireFeatures(x.cols);
    checkFeatures(x, 'input', { cols: this.nFeatures });
    return predictInBatches(x, (xs) => this.encodeTensor(xs as Tensor2D), {
      batchSize: TRANSFORM_BATCH_SIZE,
    });
  }

  /**
   * The encoder's μ for a `[rows, features]` batch as engine ops on the variables of
   * `trainableEncoderVariables`, so a composite model can fine-tune the encoder end to end through the tape.
   */
  encodeTensor(x: Tensor2D): Tensor2D {
    const variables = this.requireVariables();
    if (x.rank !== 2 || x.shape[1] !== this.nFeatures) {
      throw new IotIdsError(`vae: encodeTensor needs [rows, ${this.nFeatures}], got [${x.shape.join(', ')}]`);
    }
    const layers = [];
    for (let k = 0; k < variables.length; k += 2) {
      layers.push({ kernel: variables[k] as Tensor2D, bias: variables[k + 1] as Tensor1D });
    }
    return forwardLayers(x, layers);
  }

  /** Kernel and bias variables of the encoder layers and the μ layer, input side first. */
  trainableEncoderVariables(): Variable[] {
    return [...this.requireVariables()];
  }

  /** μ and log σ² of q(z|x) per row (the log-variance is not part of the features; for inspection). */
  async posterior(x: Matrix): Promise<{ mean: Matrix; logVar: Matrix }> {
    await initEngine();
    this.requireFeatures(x.cols);
    checkFeatures(x, 'input', { cols: this.nFeatures });
    return posterior(this.current(), x);
  }

  /** The reconstruction term of every row with z = μ: higher for rows unlike the training rows. */
  async score(x: Matrix): Promise<Float32Array> {
    await initEngine();
    this.requireFeatures(x.cols);
    checkFeatures(x, 'input', { cols: this.nFeatures, unitInterval: this.options.reconstruction === 'bce' });
    return rowReconstructionErrors(this.current(), x, this.options);
  }

  /** Mean reconstruction, KL and loss per row with z = μ (what early stopping watches). */
  async evaluate(x: Matrix): Promise<VaeEvaluation> {
    await initEngine();
    this.requireFeatures(x.cols);
    checkFeatures(x, 'input', { cols: this.nFeatures, unitInterval: this.options.reconstruction === 'bce' });
    return evaluateVae(this.current(), x, this.options);
  }

  /** Copies of every weight (encoder, μ, log σ², decoder), names prefixed with `prefix`. */
  getWeights(prefix = ''): NamedWeights {
    return this.current().toWeights(prefix);
  }

  /** Takes the weights `getWeights(prefix)` returned; they must fit `options` (latentSize, encoderUnits). */
  setWeights(weights: NamedWeights, prefix = ''): void {
    const source = 'vae weights';
    const params = VaeParameters.fromWeights(weights, prefix, source);
    this.checkArchitecture(params, source);
    if (this.params && this.params.features !== params.features) {
      throw new IotIdsError(
        `vae: the weights are for ${params.features} features, the model has ${this.params.features}`,
        { location: { file: source } },
      );
    }
    this.install(params);
  }

  /** Writes `<prefix>vae-weights.bin` and `.json`; returns the file names. */
  async save(dir: string, prefix = ''): Promise<string[]> {
    if (!this.params) throw notFitted();
    return writeWeights(dir, `${prefix}${VAE_WEIGHTS}`, this.current().toWeights());
  }

  /** Reads what `save(dir, prefix)` wrote; the weights must describe the network `options` asks for. */
  static async load(dir: string, options: Partial<VaeOptions>, prefix = ''): Promise<VariationalAutoencoder> {
    const model = new VariationalAutoencoder(options);
    const name = `${prefix}${VAE_WEIGHTS}`;
    const source = join(dir, `${name}.json`);
    const params = VaeParameters.fromWeights(await readWeights(dir, name), '', source);
    model.checkArchitecture(params, source);
    await initEngine();
    model.install(params);
    return model;
  }

  /** Releases the engine variables. */
  dispose(): void {
    if (this.variables) ops.dispose(this.variables);
    this.variables = null;
    this.params = null;
  }

  /** Makes `params` the model's weights, writing the μ path into the (kept) engine variables. */
  private install(params: VaeParameters): void {
    this.params = params;
    const values = params
      .meanPath()
      .flatMap((l) => [ops.tensor2d(l.kernel, [l.inputs, l.units]), ops.tensor1d(l.bias)]);
    const reuse =
      this.variables?.length === values.length &&
      this.variables.every((v, k) => ops.arraysEqual(v.shape, values[k].shape));
    if (this.variables && reuse) {
      this.variables.forEach((v, k) => v.assign(values[k]));
      ops.dispose(values);
      return;
    }
    if (this.variables) ops.dispose(this.variables);
    this.variables = values.map((value) => {
      const variable = ops.variable(value);
      value.dispose();
      return variable;
    });
  }

  /** The parameters with the μ path read back from the variables (a composite may have changed them). */
  private current(): VaeParameters {
    const params = this.params;
    if (!params) throw notFitted();
    const variables = this.variables ?? [];
    params.meanPath().forEach((l, k) => {
      l.kernel.set(variables[2 * k].dataSync());
      l.bias.set(variables[2 * k + 1].dataSync());
    });
    return params;
  }

  private requireVariables(): Variable[] {
    if (!this.params || !this.variables) throw notFitted();
    return this.variables;
  }

  private requireFeatures(cols: number): void {
    if (!this.params) throw notFitted();
    if (cols !== this.params.features) {
      throw new IotIdsError(
        `vae: input has ${cols} features, the model was trained on ${this.params.features}`,
        {
          kind: 'usage',
        },
      );
    }
  }

  private checkArchitecture(params: VaeParameters, source: string): void {
    const o = this.options;
    if (params.latentSize !== o.latentSize) {
      throw new IotIdsError(
        `vae: the weights have latentSize ${params.latentSize}, the options ask for ${o.latentSize}`,
        {
          location: { file: source, field: 'latentSize' },
        },
      );
    }
    if (params.encoderUnits.join() !== o.encoderUnits.join()) {
      throw new IotIdsError(
        `vae: the weights have encoderUnits [${params.encoderUnits.join(', ')}], the options ask for [${o.encoderUnits.join(', ')}]`,
        { location: { file: source, field: 'encoderUnits' } },
      );
    }
  }
}

function notFitted(): IotIdsError {
  return new NotFittedError('vae');
}
