import { join } from 'node:path';
import { initEngine } from '../../engine/index.js';
import { IotIdsError, usageError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch, type TrainableStage } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import { EpochProgress } from '../epoch-progress.js';
import { readWeights, writeWeights, type NamedWeights } from '../../fit/weights-file.js';
import { Adam } from '../../fit/adam.js';
import { classWeightedRows } from '../class-weights.js';
import { BIGRU_STAGE, BiGruStage, predictProbabilities } from './bigru-stage.js';
import { resolveBiGruOptions, sequenceShape, type BiGruOptions } from './options.js';
import { BiGruParameters } from './parameters.js';
import { checkFitInput, NotFittedError, requireFinite } from '../fit-input.js';

export type { BiGruOptions } from './options.js';

/** Base name of the saved weights (`bigru-weights.bin` + `bigru-weights.json`), after the caller's prefix. */
export const BIGRU_WEIGHTS = 'bigru-weights';
/** Saved beside the parameters: [timesteps, featuresPerStep], which no weight shape records. */
const SEQUENCE_SHAPE = 'sequenceShape';

/** The other parts of a composite model, whose weights belong in the same checkpoints. */
export interface OuterWeights {
  getWeights(): NamedWeights;
  setWeights(weights: NamedWeights): void;
}

/** How a composite model runs the BiGRU as one of its stages. */
export interface WithinComposite {
  /** The composite's stage names in training order. Default ['bigru']. */
  readonly stageOrder?: readonly string[];
  /** Prefix of the BiGRU's names in checkpoints. Default ''. */
  readonly prefix?: string;
  /** Weights of the composite's other parts, stored in and restored from the same checkpoints. */
  readonly outer?: OuterWeights;
}

/**
 * Bidirectional GRU classifier (the classifier of the AUTODEEP-ID design, Khan & William): each row is read
 * as a sequence of `timesteps` steps of `featuresPerStep` values, one GRU reads it forwards and one
 * backwards, their final states are concatenated and a dense softmax layer classifies them. Adam on
 * categorical cross-entropy (optionally class-weighted), early stopping on the validation loss when the
 * context has a validation set.
 *
 * - GRU conventions: sigmoid gates, tanh candidate, gate order z, r, n, h' = z ⊙ h + (1 − z) ⊙ n;
 *   `resetAfter` chooses PyTorch's/Keras ≥ 2.3's candidate (default) or tf.layers.gru's.
 * - Initialisation as Keras: Glorot-uniform kernels, orthogonal recurrent kernels, zero biases.
 * - Same seed ⇒ same weights and predictions on the same machine: initial weights come from `seed`, the
 *   row order from (seed, epoch).
 */
export class BiGruClassifier extends BaseClassifier<BiGruOptions> {
  readonly kind = 'bigru';
  readonly outputKind = 'probabilities';
  readonly options: Readonly<BiGruOptions>;
  private params: BiGruParameters | null = null;

  constructor(options?: Partial<BiGruOptions>) {
    super();
    this.options = Object.freeze(resolveBiGruOptions(options));
  }

  get fitted(): boolean {
    return this.params !== null;
  }

  /** The learned parameters (for composites that train the BiGRU further, e.g. end-to-end fine-tuning). */
  get parameters(): BiGruParameters | null {
    return this.params;
  }

  fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    return this.fitWithin(x, y, context, {});
  }

  /** `fit` as one stage of a composite model (see `WithinComposite`). */
  async fitWithin(x: Matrix, y: Int32Array, context: FitContext, within: WithinComposite): Promise<this> {
    const o = this.options;
    const prefix = within.prefix ?? '';
    const stageOrder = within.stageOrder ?? [BIGRU_STAGE];
    checkFitInput('bigru', x, y, context.nClasses);
    if (context.validation) {
      checkFitInput('bigru', context.validation.x, context.validation.y, context.nClasses, {
        what: 'validation',
        cols: x.cols,
      });
    }
    const { timesteps, featuresPerStep } = sequenceShape(o, x.cols);
    await initEngine();
    const shape = {
      timesteps,
      featuresPerStep,
      units: o.units,
      classes: context.nClasses,
      resetAfter: o.resetAfter,
    };
    const params = BiGruParameters.initial(shape, new Random(o.seed));
    const adam = new Adam(params.trainable(), { learningRate: o.learningRate, prefix });
    const rowWeights = classWeightedRows('bigru', o, y, context.nClasses);
    const inner = new BiGruStage(
      params,
      adam,
      { x, y, rowWeights, validation: context.validation },
      { batchSize: o.batchSize, seed: o.seed, prefix },
    );
    const stage = within.outer ? withOuterWeights(inner, within.outer) : inner;
    let startEpoch = 0;
    if (context.resumeFrom) {
      const start = resumeStartEpoch(context.resumeFrom, BIGRU_STAGE, stageOrder);
      if (start === 'skip') {
        params.assign(context.resumeFrom.weights, 'checkpoint', prefix);
        startEpoch = o.epochs;
      } else if (context.resumeFrom.state.stage === BIGRU_STAGE) {
        stage.setWeights(context.resumeFrom.weights);
        startEpoch = start;
      }
    }
    const callbacks: Callback[] = [...(context.callbacks ?? [])];
    if (context.validation && context.validation.x.rows > 0) {
      callbacks.push(
        new EarlyStopping({ monitor: 'valLoss', patience: o.patience, restoreBestWeights: true }),
      );
    }
    const progress = new EpochProgress(o.epochs, context.onProgress);
    callbacks.push(...progress.stage(0, o.epochs));
    if (startEpoch < o.epochs)
      await fitStage(stage, { epochs: o.epochs, startEpoch, callbacks, resumeFrom: context.resumeFrom });
    else progress.finish('epochs');
    this.params = params;
    return this;
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    const params = this.requireParams();
    if (x.cols !== params.inputs) {
      throw usageError(`bigru: input has ${x.cols} features, the model was trained on ${params.inputs}`);
    }
    requireFinite('bigru', x, 'predict');
    await initEngine();
    return predictProbabilities(params, x);
  }

  /** Parameters only (no optimizer state), names prefixed with `prefix`. */
  getWeights(prefix = ''): NamedWeights {
    return this.requireParams().toWeights(prefix);
  }

  setWeights(weights: NamedWeights, prefix = ''): void {
    this.requireParams().assign(weights, 'weights', prefix);
  }

  /** Writes `<prefix>bigru-weights.bin` and `.json`; returns their names. */
  async save(dir: string, prefix = ''): Promise<string[]> {
    const params = this.requireParams();
    const { timesteps, featuresPerStep } = params.shape;
    return writeWeights(dir, `${prefix}${BIGRU_WEIGHTS}`, {
      ...params.toWeights(),
      [SEQUENCE_SHAPE]: { shape: [2], data: new Float32Array([timesteps, featuresPerStep]) },
    });
  }

  /** Reads what `save` wrote; the weights must describe the network the options ask for. */
  static async load(dir: string, options: Partial<BiGruOptions>, prefix = ''): Promise<BiGruClassifier> {
    const model = new BiGruClassifier(options);
    const name = `${prefix}${BIGRU_WEIGHTS}`;
    const source = join(dir, `${name}.json`);
    const weights = await readWeights(dir, name);
    const o = model.options;
    const sequence = weights[SEQUENCE_SHAPE]?.data;
    const outputKernel = weights['output/kernel'];
    if (!sequence || sequence.length !== 2 || !outputKernel || outputKernel.shape.length !== 2) {
      throw new IotIdsError('bigru: the saved weights lack the sequence shape or the output layer', {
        location: { file: source },
      });
    }
    const [timesteps, featuresPerStep] = Array.from(sequence);
    if (featuresPerStep !== o.featuresPerStep || (o.timesteps !== null && timesteps !== o.timesteps)) {
      throw new IotIdsError(
        `bigru: the saved network reads ${timesteps} × ${featuresPerStep} steps but the options ask for ${o.timesteps ?? 'any'} × ${o.featuresPerStep}`,
        { location: { file: source, field: SEQUENCE_SHAPE } },
      );
    }
    const shape = {
      timesteps,
      featuresPerStep,
      units: o.units,
      classes: outputKernel.shape[1],
      resetAfter: o.resetAfter,
    };
    model.params = BiGruParameters.fromWeights(shape, weights, source);
    await initEngine();
    return model;
  }

  dispose(): Promise<void> {
    this.params = null;
    return Promise.resolve();
  }

  private requireParams(): BiGruParameters {
    if (!this.params) throw new NotFittedError('bigru');
    return this.params;
  }
}

/** `stage` with the outer parts' weights added to (and restored from) its checkpoints. */
export function withOuterWeights(stage: TrainableStage, outer: OuterWeights): TrainableStage {
  return {
    name: stage.name,
    batchesPerEpoch: stage.batchesPerEpoch,
    trainEpoch: (epoch, onBatch) => stage.trainEpoch(epoch, onBatch),
    validate: stage.validate ? () => (stage.validate as NonNullable<typeof stage.validate>)() : undefined,
    getWeights: () => ({ ...outer.getWeights(), ...stage.getWeights() }),
    setWeights: (weights) => {
      outer.setWeights(weights);
      stage.setWeights(weights);
    },
  };
}
