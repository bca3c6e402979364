import { join } from 'node:path';
import { initEngine } from '../../engine/index.js';
import { IotIdsError, usageError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import { EpochProgress } from '../epoch-progress.js';
import { readWeights, writeWeights } from '../../fit/weights-file.js';
import { Adam } from '../../fit/adam.js';
import { FCNN_STAGE, FcnnStage } from './fcnn-stage.js';
import { FoldedNetwork } from './inference.js';
import { resolveFcnnOptions, type FcnnOptions } from './options.js';
import { FcnnParameters } from './parameters.js';
import { fcnnRowWeights } from './row-weights.js';
import { checkFitInput, NotFittedError, requireFinite } from '../fit-input.js';

export type { FcnnOptions } from './options.js';

/** Base name of the saved weights (`fcnn-weights.bin` + `fcnn-weights.json`). */
export const FCNN_WEIGHTS = 'fcnn-weights';

/**
 * Fully connected network for tabular flows: `hiddenUnits` blocks of Dense → BatchNorm → ReLU → Dropout,
 * then Dense → softmax, trained with Adam on categorical cross-entropy (optionally class-weighted), with
 * early stopping on the validation loss when the context has a validation set.
 *
 * - BatchNorm follows the Keras conventions (ε = 1e-3, biased batch variance) with momentum 0.9 for the
 *   moving statistics (PyTorch's 0.1): at the default batch an epoch of KDDTrain+_20Percent is ~45 steps,
 *   and Keras's 0.99 would still remember the initial statistics after the first few epochs, when early
 *   stopping already compares validation losses. Prediction uses the moving statistics, folded into the
 *   dense layers.
 * - Dense layers before BatchNorm have no bias (it would be cancelled); the output layer has one.
 * - Same seed ⇒ same weights and predictions on the same machine: initial weights come from `seed`, row
 *   order and dropout masks from (seed, epoch).
 */
export class FcnnClassifier extends BaseClassifier<FcnnOptions> {
  readonly kind = 'fcnn';
  readonly outputKind = 'probabilities';
  readonly options: Readonly<FcnnOptions>;
  private params: FcnnParameters | null = null;
  private network: FoldedNetwork | null = null;

  constructor(options?: Partial<FcnnOptions>) {
    super();
    this.options = Object.freeze(resolveFcnnOptions(options));
  }

  get fitted(): boolean {
    return this.params !== null;
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    const o = this.options;
    checkFitInput('fcnn', x, y, context.nClasses);
    if (context.validation)
      checkFitInput('fcnn', context.validation.x, context.validation.y, context.nClasses, {
        what: 'validation',
        cols: x.cols,
      });
    await initEngine();
    const params = FcnnParameters.initial(x.cols, o.hiddenUnits, context.nClasses, new Random(o.seed));
    const adam = new Adam(params.trainable(), { learningRate: o.learningRate });
    const stage = new FcnnStage(
      params,
      adam,
      {
        x,
        y,
        rowWeights: fcnnRowWeights(o, y, context.nClasses),
        validation: context.validation,
      },
      { batchSize: o.batchSize, dropout: o.dropout, seed: o.seed, focalGamma: o.focalGamma },
    );
    let startEpoch = 0;
    if (context.resumeFrom) {
      const start = resumeStartEpoch(context.resumeFrom, FCNN_STAGE, [FCNN_STAGE]);
      stage.setWeights(context.resumeFrom.weights);
      startEpoch = start === 'skip' ? o.epochs : start;
    }
    const callbacks: Callback[] = [...(context.callbacks ?? [])];
    if (context.validation && context.validation.x.rows > 0) {
      callbacks.push(
        new EarlyStopping({ monitor: 'valLoss', patience: o.patience, restoreBestWeights: true }),
      );
    }
    callbacks.push(...new EpochProgress(o.epochs, context.onProgress).stage(0, o.epochs));
    await fitStage(stage, { epochs: o.epochs, startEpoch, callbacks, resumeFrom: context.resumeFrom });
    this.replace(params);
    return this;
  }

  predictProba(x: Matrix): Promise<Matrix> {
    return initEngine().then(() => this.requireNetwork(x).predictProba(x));
  }

  async save(dir: string): Promise<string[]> {
    if (!this.params) throw notFitted();
    return writeWeights(dir, FCNN_WEIGHTS, this.params.toWeights());
  }

  /** Reads what `save` wrote; the weights must describe the network `options.hiddenUnits` asks for. */
  static async load(dir: string, options: Partial<FcnnOptions>): Promise<FcnnClassifier> {
    const model = new FcnnClassifier(options);
    const source = join(dir, `${FCNN_WEIGHTS}.json`);
    const params = FcnnParameters.fromWeights(await readWeights(dir, FCNN_WEIGHTS), source);
    const saved = params.hidden.map((b) => b.units);
    if (saved.join() !== model.options.hiddenUnits.join()) {
      throw new IotIdsError(
        `fcnn: the saved network has hidden blocks [${saved.join(', ')}] but the options ask for [${model.options.hiddenUnits.join(', ')}]`,
        { location: { file: source, field: 'hiddenUnits' } },
      );
    }
    await initEngine();
    model.replace(params);
    return model;
  }

  dispose(): Promise<void> {
    this.network?.dispose();
    this.network = null;
    this.params = null;
    return Promise.resolve();
  }

  private replace(params: FcnnParameters): void {
    this.network?.dispose();
    this.network = null;
    this.params = params;
  }

  /** The inference tensors, built on first use after fit or load. */
  private requireNetwork(x: Matrix): FoldedNetwork {
    const params = this.params;
    if (!params) throw notFitted();
    if (x.cols !== params.inputs) {
      throw usageError(`fcnn: input has ${x.cols} features, the model was trained on ${params.inputs}`);
    }
    requireFinite('fcnn', x, 'predict');
    this.network ??= new FoldedNetwork(params);
    return this.network;
  }
}

function notFitted(): IotIdsError {
  return new NotFittedError('fcnn');
}
