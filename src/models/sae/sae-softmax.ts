import { join } from 'node:path';

import { initEngine, predictInBatches, ops, type Tensor2D } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import { readWeights, writeWeights, type NamedWeights } from '../../fit/weights-file.js';
import { balancedClassWeights, rowWeights } from '../class-weights.js';
import { resolveSaeSoftmaxOptions, type SaeSoftmaxOptions } from './options.js';
import {
  glorotKernel,
  SaeOptimizer,
  parametersToWeights,
  weightsToParameters,
  zeroBias,
} from './parameters.js';
import { epochOrder, rowBatches } from './row-batches.js';
import {
  crossEntropyStats,
  fineTuneStep,
  headLogits,
  headStep,
  logProbabilities,
  logSoftmax,
  type ClassifierStep,
  type HeadParameters,
} from './softmax-step.js';
import { checkInput, PRETRAIN_STAGE, SparseAutoencoder } from './sparse-autoencoder.js';
import { EpochProgress } from '../epoch-progress.js';
import { runStage, withModelWeights } from './stages.js';
import { checkLabels, NotFittedError } from '../fit-input.js';

export type { SaeSoftmaxOptions } from './options.js';

export const SAE_SOFTMAX_STAGES = [PRETRAIN_STAGE, 'classifier', 'finetune'] as const;
const [, CLASSIFIER_STAGE, FINETUNE_STAGE] = SAE_SOFTMAX_STAGES;
const HEAD_FILE = 'softmax';
const AUTOENCODER_FILE = 'autoencoder';

interface Head {
  readonly params: HeadParameters;
  readonly classifierOptimizer: SaeOptimizer;
  readonly fineTuneOptimizer: SaeOptimizer;
}

/**
 * Self-taught learning (a sparse autoencoder learnt without labels, then a softmax classifier on its
 * codes), optionally fine-tuned end to end. Stages, each with its own EarlyStopping on the validation
 * loss: 'pretrain' (the autoencoder, see sparse-autoencoder.ts), 'classifier' (softmax regression on the
 * frozen codes, which are computed once), 'finetune' (encoder + softmax, smaller learning rate; the
 * decoder is no longer used). Checkpoints hold every part and every optimiser's state.
 */
export class SaeSoftmaxClassifier extends BaseClassifier<SaeSoftmaxOptions> {
  readonly kind = 'sae-softmax';
  readonly outputKind = 'probabilities';
  readonly options: Readonly<SaeSoftmaxOptions>;
  private autoencoder: SparseAutoencoder;
  private head: Head | null = null;
  private trained = false;

  constructor(options: Partial<SaeSoftmaxOptions> = {}) {
    super();
    this.options = Object.freeze(resolveSaeSoftmaxOptions(options));
    this.autoencoder = new SparseAutoencoder(autoencoderOptions(this.options));
  }

  get fitted(): boolean {
    return this.trained;
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    await initEngine();
    const o = this.options;
    checkLabels(this.kind, y, x.rows, context.nClasses);
    checkInput(x, 'training', x.cols);
    this.trained = false;
    this.autoencoder.initialise(x.cols, { fresh: true });
    this.initialiseHead(context.nClasses);
    if (context.resumeFrom) this.setWeights(context.resumeFrom.weights);
    const validation = context.validation;
    if (validation) {
      checkLabels(this.kind, validation.y, validation.x.rows, context.nClasses, { what: 'validation' });
    }
    const classWeights = o.classWeight === 'balanced' ? balancedClassWeights(y, context.nClasses) : null;
    const weights = classWeights ? rowWeights(y, classWeights) : undefined;
    const valWeights = classWeights && validation ? rowWeights(validation.y, classWeights) : undefined;
    const stages = o.fineTune ? SAE_SOFTMAX_STAGES : SAE_SOFTMAX_STAGES.slice(0, 2);
    const progress = new EpochProgress(o.epochs * stages.length, context.onProgress);
    const common = { epochs: o.epochs, patience: o.patience, stageOrder: SAE_SOFTMAX_STAGES };

    await runStage(
      {
        ...common,
        name: PRETRAIN_STAGE,
        build: () => withModelWeights(this.autoencoder.pretrainStage(x, validation?.x), this),
      },
      context,
      progress,
    );
    this.autoencoder.markFitted();
    await runStage(
      {
        ...common,
        name: CLASSIFIER_STAGE,
        build: () => {
          const codes = this.autoencoder.codes(x);
          const valSet = validation && {
            x: this.autoencoder.codes(validation.x),
            y: validation.y,
            weights: valWeights,
          };
          return this.classifierStage({ x: codes, y, weights }, valSet);
        },
      },
      context,
      progress,
    );
    if (o.fineTune) {
      await runStage(
        {
          ...common,
          name: FINETUNE_STAGE,
          build: () =>
            this.fineTuneStage({ x, y, weights }, validation && { ...validation, weights: valWeights }),
        },
        context,
        progress,
      );
    }
    this.trained = true;
    progress.finish();
    return this;
  }

  predictProba(x: Matrix): Promise<Matrix> {
    return initEngine().then(() => {
      const head = this.requireFitted();
      checkInput(x, 'input', this.autoencoder.nFeatures);
      return predictInBatches(x, (xs) =>
        ops.softmax(headLogits(this.autoencoder.encodeTensor(xs as Tensor2D), head.params)),
      );
    });
  }

  /** Codes of the fitted (possibly fine-tuned) encoder. */
  transform(x: Matrix): Promise<Matrix> {
    this.requireFitted();
    return this.autoencoder.transform(x);
  }

  /** Every parameter and optimiser state of all stages: what checkpoints store. */
  getWeights(): NamedWeights {
    const head = this.requireHead();
    const weights = this.autoencoder.getWeights();
    parametersToWeights(head.params, weights);
    head.classifierOptimizer.stateWeights(weights);
    return head.fineTuneOptimizer.stateWeights(weights);
  }

  setWeights(weights: NamedWeights, source = 'the checkpoint'): void {
    const head = this.requireHead();
    this.autoencoder.setWeights(weights, source);
    weightsToParameters(weights, head.params, source);
    head.classifierOptimizer.setStateWeights(weights, source);
    head.fineTuneOptimizer.setStateWeights(weights, source);
  }

  async save(dir: string): Promise<string[]> {
    const head = this.requireFitted();
    const autoencoderFiles = await this.autoencoder.save(dir, AUTOENCODER_FILE);
    const headFiles = await writeWeights(dir, HEAD_FILE, parametersToWeights(head.params));
    return [...autoencoderFiles, ...headFiles];
  }

  static async load(dir: string, options: Partial<SaeSoftmaxOptions>): Promise<SaeSoftmaxClassifier> {
    const model = new SaeSoftmaxClassifier(options);
    model.autoencoder = await SparseAutoencoder.load(
      dir,
      autoencoderOptions(model.options),
      AUTOENCODER_FILE,
    );
    const headWeights = await readWeights(dir, HEAD_FILE);
    const file = join(dir, `${HEAD_FILE}.json`);
    const kernel = headWeights['softmax/kernel'] as NamedWeights[string] | undefined;
    if (kernel === undefined || kernel.shape.length !== 2 || kernel.shape[1] < 2) {
      throw new IotIdsError('weight "softmax/kernel" is missing or not a hidden × classes matrix', {
        location: { file, field: 'softmax/kernel' },
      });
    }
    model.initialiseHead(kernel.shape[1]);
    weightsToParameters(headWeights, model.requireHead().params, file);
    model.trained = true;
    return model;
  }

  dispose(): Promise<void> {
    this.head = null;
    this.trained = false;
    return this.autoencoder.dispose();
  }

  private initialiseHead(nClasses: number): void {
    const o = this.options;
    // Its own stream, so the head's start does not depend on how the autoencoder drew its weights.
    const random = new Random((o.seed ^ 0x68656164) >>> 0);
    const params: HeadParameters = [
      glorotKernel('softmax/kernel', o.hiddenUnits, nClasses, random),
      zeroBias('softmax/bias', nClasses),
    ];
    const [encoderKernel, encoderBias] = this.autoencoder.parameters;
    this.head = {
      params,
      classifierOptimizer: new SaeOptimizer(`optimizer/${CLASSIFIER_STAGE}`, params, {
        learningRate: o.learningRate,
        weightDecay: o.weightDecay,
      }),
      fineTuneOptimizer: new SaeOptimizer(
        `optimizer/${FINETUNE_STAGE}`,
        [encoderKernel, encoderBias, ...params],
        {
          learningRate: o.fineTuneLearningRate ?? o.learningRate / 10,
          weightDecay: o.weightDecay,
        },
      ),
    };
  }

  /** Softmax regression on fixed codes: `train.x` / `validation.x` are codes, not features. */
  private classifierStage(train: LabelledRows, validation?: LabelledRows): TrainableStage {
    const head = this.requireHead();
    const stage = labelledStage(
      CLASSIFIER_STAGE,
      1,
      this.options,
      train,
      (batch) => headStep(batch, head.params),
      head.classifierOptimizer,
      validation &&
        (() =>
          evaluate(
            logProbabilities(validation.x, (codes) => logSoftmax(codes, head.params)),
            validation,
          )),
    );
    return withModelWeights(stage, this);
  }

  private fineTuneStage(train: LabelledRows, validation?: LabelledRows): TrainableStage {
    const head = this.requireHead();
    const [encoderKernel, encoderBias] = this.autoencoder.parameters;
    const stage = labelledStage(
      FINETUNE_STAGE,
      2,
      this.options,
      train,
      (batch) => fineTuneStep(batch, [encoderKernel, encoderBias], head.params),
      head.fineTuneOptimizer,
      validation &&
        (() =>
          evaluate(
            logProbabilities(validation.x, (xs) =>
              logSoftmax(this.autoencoder.encodeTensor(xs), head.params),
            ),
            validation,
          )),
    );
    return withModelWeights(stage, this);
  }

  private requireHead(): Head {
    if (!this.head) throw new NotFittedError(this.kind);
    return this.head;
  }

  private requireFitted(): Head {
    if (!this.trained) throw new NotFittedError(this.kind);
    return this.requireHead();
  }
}

interface LabelledRows {
  readonly x: Matrix;
  readonly y: Int32Array;
  readonly weights?: Float32Array;
}

function evaluate(logProbs: Matrix, rows: LabelledRows): { valLoss: number; valAccuracy: number } {
  const { loss, accuracy } = crossEntropyStats(logProbs, rows.y, rows.weights);
  return { valLoss: loss, valAccuracy: accuracy };
}

/** A classification stage: shuffled batches, one step and one optimiser update per batch. */
function labelledStage(
  name: string,
  stageIndex: number,
  options: Readonly<SaeSoftmaxOptions>,
  train: LabelledRows,
  step: (batch: Parameters<typeof headStep>[0]) => ClassifierStep,
  optimizer: SaeOptimizer,
  validate?: () => { valLoss: number; valAccuracy: number },
): TrainableStage {
  const rows = train.x.rows;
  return {
    name,
    batchesPerEpoch: Math.ceil(rows / options.batchSize),
    trainEpoch: (epoch, onBatch) => {
      let lossSum = 0;
      let correct = 0;
      let index = 0;
      const order = epochOrder(rows, options.seed, stageIndex, epoch);
      for (const batch of rowBatches(train.x, order, options.batchSize, {
        labels: train.y,
        weights: train.weights,
      })) {
        const result = step(batch);
        optimizer.apply(result.gradients, 1 / batch.size);
        lossSum += result.lossSum;
        correct += result.correct;
        onBatch(index++, result.lossSum / batch.size);
      }
      return Promise.resolve({ loss: lossSum / rows, accuracy: correct / rows });
    },
    validate: validate && (() => Promise.resolve(validate())),
    getWeights: () => ({}),
    setWeights: () => undefined,
  };
}

function autoencoderOptions(o: Readonly<SaeSoftmaxOptions>) {
  const { classWeight: _c, fineTune: _f, fineTuneLearningRate: _l, ...autoencoder } = o;
  return autoencoder;
}
