import { join } from 'node:path';
import { initEngine } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import { EpochProgress } from '../epoch-progress.js';
import { readWeights, writeWeights } from '../../fit/weights-file.js';
import { Adam } from '../../fit/adam.js';
import { HEAD_STAGE, HeadStage } from './head-stage.js';
import { resolveVaeClassifierOptions, vaePart, type VaeClassifierOptions } from './options.js';
import { balancedRowWeights } from '../class-weights.js';
import { HeadParameters } from './softmax-head.js';
import { VAE_STAGE } from './vae-stage.js';
import { VariationalAutoencoder } from './variational-autoencoder.js';
import { checkLabels, NotFittedError } from '../fit-input.js';

export type { VaeClassifierOptions } from './options.js';

/** Base name of the saved head weights (`head-weights.bin` + `.json`); the VAE's are `vae-weights.*`. */
export const HEAD_WEIGHTS = 'head-weights';
const VAE_PREFIX = 'vae/';
const STAGES = [VAE_STAGE, HEAD_STAGE] as const;

/**
 * Model kind `vae`: the VAE as a feature extractor, evaluated through the same CLI and metrics as the
 * classifiers. Stage 'vae' fits the VAE on the training rows without labels (early stopping on the
 * validation rows' loss); stage 'classifier' fits a small softmax head — `headUnits` Dense+ReLU layers
 * (default one of 32) then Dense → softmax — on the posterior means μ (16 numbers per row by default)
 * with the encoder frozen. Both stages use `epochs`, `batchSize`, `learningRate` and `patience`.
 */
export class VaeClassifier extends BaseClassifier<VaeClassifierOptions> {
  readonly kind = 'vae';
  readonly outputKind = 'probabilities';
  readonly options: Readonly<VaeClassifierOptions>;
  private vae: VariationalAutoencoder | null = null;
  private head: HeadParameters | null = null;

  constructor(options?: Partial<VaeClassifierOptions>) {
    super();
    this.options = Object.freeze(resolveVaeClassifierOptions(options));
  }

  get fitted(): boolean {
    return this.head !== null;
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    const o = this.options;
    checkLabels('vae', y, x.rows, context.nClasses);
    if (context.validation)
      checkLabels('vae', context.validation.y, context.validation.x.rows, context.nClasses, {
        what: 'validation',
      });
    await initEngine();
    const progress = new EpochProgress(2 * o.epochs, context.onProgress);
    const callbacks = context.callbacks ?? [];
    const vae = new VariationalAutoencoder(vaePart(o));
    try {
      await vae.fit(x, {
        validation: context.validation?.x,
        callbacks: [...callbacks, ...progress.stage(0, o.epochs)],
        resumeFrom: context.resumeFrom,
        stageOrder: STAGES,
        weightPrefix: VAE_PREFIX,
      });
      const features = await vae.transform(x);
      const validation = context.validation?.x.rows
        ? { x: await vae.transform(context.validation.x), y: context.validation.y }
        : undefined;
      const head = HeadParameters.initial(
        vae.options.latentSize,
        o.headUnits,
        context.nClasses,
        new Random(o.seed ^ 0x6a09e667),
      );
      const adam = new Adam(head.trainable(), { learningRate: o.learningRate });
      const stage = new HeadStage(
        head,
        adam,
        {
          x: features,
          y,
          rowWeights: o.classWeight === 'balanced' ? balancedRowWeights(y, context.nClasses) : null,
          validation,
        },
        { batchSize: o.batchSize, seed: o.seed },
        () => vae.getWeights(VAE_PREFIX),
      );
      const start = resumeStartEpoch(context.resumeFrom, HEAD_STAGE, STAGES);
      if (start === 'skip')
        throw new IotIdsError('vae: the classifier stage is the last one; nothing to skip to');
      if (start > 0 && context.resumeFrom) stage.setWeights(context.resumeFrom.weights);
      const headCallbacks: Callback[] = [...callbacks, ...progress.stage(o.epochs, o.epochs)];
      if (validation) {
        headCallbacks.push(
          new EarlyStopping({ monitor: 'valLoss', patience: o.patience, restoreBestWeights: true }),
        );
      }
      await fitStage(stage, {
        epochs: o.epochs,
        startEpoch: start,
        callbacks: headCallbacks,
        resumeFrom: context.resumeFrom,
      });
      this.replace(vae, head);
    } catch (error) {
      vae.dispose();
      throw error;
    }
    return this;
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    const { vae, head } = this.requireFitted();
    return head.predictProba(await vae.transform(x));
  }

  async save(dir: string): Promise<string[]> {
    const { vae, head } = this.requireFitted();
    return [...(await vae.save(dir)), ...(await writeWeights(dir, HEAD_WEIGHTS, head.toWeights('')))];
  }

  /** Reads what `save` wrote; the weights must describe the networks `options` asks for. */
  static async load(dir: string, options: Partial<VaeClassifierOptions>): Promise<VaeClassifier> {
    const model = new VaeClassifier(options);
    const source = join(dir, `${HEAD_WEIGHTS}.json`);
    const head = HeadParameters.fromWeights(await readWeights(dir, HEAD_WEIGHTS), '', source);
    if (head.hiddenUnits.join() !== model.options.headUnits.join()) {
      throw new IotIdsError(
        `vae: the saved head has hidden layers [${head.hiddenUnits.join(', ')}] but the options ask for [${model.options.headUnits.join(', ')}]`,
        { location: { file: source, field: 'headUnits' } },
      );
    }
    const vae = await VariationalAutoencoder.load(dir, vaePart(model.options));
    if (head.inputs !== vae.options.latentSize) {
      vae.dispose();
      throw new IotIdsError(
        `vae: the saved head takes ${head.inputs} features, the VAE gives ${vae.options.latentSize}`,
        {
          location: { file: source },
        },
      );
    }
    model.replace(vae, head);
    return model;
  }

  dispose(): Promise<void> {
    this.vae?.dispose();
    this.vae = null;
    this.head = null;
    return Promise.resolve();
  }

  private replace(vae: VariationalAutoencoder, head: HeadParameters): void {
    this.vae?.dispose();
    this.vae = vae;
    this.head = head;
  }

  private requireFitted(): { vae: VariationalAutoencoder; head: HeadParameters } {
    if (!this.vae || !this.head) throw new NotFittedError('vae');
    return { vae: this.vae, head: this.head };
  }
}
