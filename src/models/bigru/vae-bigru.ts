import { smote } from '../../preprocess/smote.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch } from '../../fit/fit-stage.js';
import { IotIdsError } from '../../errors.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import { VariationalAutoencoder } from '../vae/variational-autoencoder.js';
import { BiGruClassifier } from './bigru.js';
import { EpochProgress } from '../epoch-progress.js';
import { balancedRowWeights, classWeightedRows } from '../class-weights.js';
import { BIGRU_STAGE } from './bigru-stage.js';
import { BIGRU_PREFIX, FINETUNE_STAGE, FineTuneStage, VAE_PREFIX } from './fine-tune-stage.js';
import { sequenceShape } from './options.js';
import {
  biGruPartOptions,
  resolveVaeBiGruOptions,
  vaePartOptions,
  type VaeBiGruOptions,
} from './vae-bigru-options.js';
import { checkFitInput, NotFittedError, requireFinite } from '../fit-input.js';

export type { VaeBiGruOptions } from './vae-bigru-options.js';

const VAE_STAGE = 'vae';

/**
 * AUTODEEP-ID (Khan & William): a variational autoencoder turns each row into the mean of its latent
 * Gaussian, a bidirectional GRU classifies that vector read as a sequence (see VaeBiGruOptions for the
 * sequence shape), and with `fineTune` both are trained together at the end. Stages: 'vae' (unsupervised),
 * 'bigru', and 'finetune'; checkpoints of later stages hold every part's weights, so `--resume` continues
 * from any of them. Saved as the VAE's files (`vae-weights.*`) beside the BiGRU's (`bigru-weights.*`).
 */
export class VaeBiGruClassifier extends BaseClassifier<VaeBiGruOptions> {
  readonly kind = 'vae-bigru';
  readonly outputKind = 'probabilities';
  readonly options: Readonly<VaeBiGruOptions>;
  private vae: VariationalAutoencoder | null = null;
  private bigru: BiGruClassifier | null = null;

  constructor(options?: Partial<VaeBiGruOptions>) {
    super();
    this.options = Object.freeze(resolveVaeBiGruOptions(options));
  }

  get fitted(): boolean {
    return this.bigru?.fitted === true;
  }

  /** The stage names of this configuration, in training order. */
  get stageOrder(): string[] {
    return this.options.fineTune ? [VAE_STAGE, BIGRU_STAGE, FINETUNE_STAGE] : [VAE_STAGE, BIGRU_STAGE];
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    const o = this.options;
    const vaeOptions = vaePartOptions(o);
    const gruOptions = biGruPartOptions(o);
    checkFitInput(this.kind, x, y, context.nClasses);
    const validation = context.validation && context.validation.x.rows > 0 ? context.validation : undefined;
    if (validation)
      checkFitInput(this.kind, validation.x, validation.y, context.nClasses, {
        what: 'validation',
        cols: x.cols,
      });
    // Before any training: a sequence shape that does not fit the latent vector is a configuration error.
    sequenceShape(
      gruOptions,
      vaeOptions.latentSize,
      `the latent vector (vae.latentSize ${vaeOptions.latentSize})`,
      this.kind,
    );
    const stageOrder = this.stageOrder;
    const fineTuneEpochs = o.fineTuneEpochs ?? gruOptions.epochs;
    const total = vaeOptions.epochs + gruOptions.epochs + (o.fineTune ? fineTuneEpochs : 0);
    const progress = new EpochProgress(total, context.onProgress);
    this.release();

    const vae = new VariationalAutoencoder(vaeOptions);
    this.vae = vae;
    await vae.fit(x, {
      validation: validation?.x,
      callbacks: [...(context.callbacks ?? []), ...progress.stage(0, vaeOptions.epochs)],
      resumeFrom: context.resumeFrom,
      stageOrder,
      weightPrefix: VAE_PREFIX,
    });

    const latent = await vae.transform(x);
    const latentValidation = validation && { x: await vae.transform(validation.x), y: validation.y };
    const training = o.smoteLatent
      ? smote(latent, y, { targetRatio: o.smoteRatio, seed: o.seed })
      : { x: latent, y };
    const bigru = new BiGruClassifier(gruOptions);
    this.bigru = bigru;
    await bigru.fitWithin(
      training.x,
      training.y,
      {
        nClasses: context.nClasses,
        validation: latentValidation,
        callbacks: [...(context.callbacks ?? []), ...progress.stage(vaeOptions.epochs, gruOptions.epochs)],
        resumeFrom: context.resumeFrom,
      },
      {
        stageOrder,
        prefix: BIGRU_PREFIX,
        outer: {
          getWeights: () => vae.getWeights(VAE_PREFIX),
          setWeights: (w) => vae.setWeights(w, VAE_PREFIX),
        },
      },
    );

    if (o.fineTune) {
      const params = bigru.parameters;
      if (!params) throw new IotIdsError('vae-bigru: the BiGRU stage left no parameters');
      // The BiGRU's own class weights (tempered when it was); SMOTE's rows have no input row, so with
      // smoteLatent and no class weights the original rows are weighed 'balanced' instead.
      const rowWeights =
        gruOptions.classWeight !== 'balanced' && o.smoteLatent
          ? balancedRowWeights(y, context.nClasses)
          : classWeightedRows(this.kind, gruOptions, y, context.nClasses);
      const stage = new FineTuneStage(
        vae,
        params,
        { x, y, rowWeights, validation },
        {
          batchSize: gruOptions.batchSize,
          seed: o.seed,
          learningRate: o.fineTuneLearningRate ?? gruOptions.learningRate / 10,
        },
      );
      let startEpoch = 0;
      if (context.resumeFrom) {
        const start = resumeStartEpoch(context.resumeFrom, FINETUNE_STAGE, stageOrder);
        if (context.resumeFrom.state.stage === FINETUNE_STAGE && start !== 'skip') {
          stage.setWeights(context.resumeFrom.weights);
          startEpoch = start;
        }
      }
      const callbacks: Callback[] = [
        ...(context.callbacks ?? []),
        ...progress.stage(vaeOptions.epochs + gruOptions.epochs, fineTuneEpochs),
      ];
      if (validation) {
        callbacks.push(
          new EarlyStopping({ monitor: 'valLoss', patience: gruOptions.patience, restoreBestWeights: true }),
        );
      }
      await fitStage(stage, {
        epochs: fineTuneEpochs,
        startEpoch,
        callbacks,
        resumeFrom: context.resumeFrom,
      });
    }
    progress.finish('epochs');
    return this;
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    const { vae, bigru } = this.requireParts();
    requireFinite(this.kind, x, 'predict');
    return bigru.predictProba(await vae.transform(x));
  }

  /** Writes the VAE's and the BiGRU's weight files; returns their names. */
  async save(dir: string): Promise<string[]> {
    const { vae, bigru } = this.requireParts();
    return [...(await vae.save(dir)), ...(await bigru.save(dir))];
  }

  static async load(dir: string, options: Partial<VaeBiGruOptions>): Promise<VaeBiGruClassifier> {
    const model = new VaeBiGruClassifier(options);
    const vae = await VariationalAutoencoder.load(dir, vaePartOptions(model.options));
    try {
      const bigru = await BiGruClassifier.load(dir, biGruPartOptions(model.options));
      model.vae = vae;
      model.bigru = bigru;
    } catch (error) {
      vae.dispose();
      throw error;
    }
    return model;
  }

  async dispose(): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  private release(): void {
    this.vae?.dispose();
    void this.bigru?.dispose();
    this.vae = null;
    this.bigru = null;
  }

  private requireParts(): { vae: VariationalAutoencoder; bigru: BiGruClassifier } {
    if (!this.vae || !this.bigru?.fitted) {
      throw new NotFittedError('vae-bigru');
    }
    return { vae: this.vae, bigru: this.bigru };
  }
}
