import { join } from 'node:path';

import { initEngine } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Callback, LoopControl } from '../../fit/callbacks.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import type { SvmOptions } from '../svm/options.js';
import { SVM_STAGE } from '../svm/svm-stage.js';
import { SvmClassifier } from '../svm/svm.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import { resolveSaeSvmOptions, type SaeSvmOptions } from './options.js';
import { checkInput, PRETRAIN_STAGE, SparseAutoencoder } from './sparse-autoencoder.js';
import { EpochProgress } from '../epoch-progress.js';
import { runStage, withModelWeights } from './stages.js';
import { checkLabels, NotFittedError } from '../fit-input.js';
import { softmaxRows } from '../softmax-rows.js';

export type SaeSvmClassifierOptions = SaeSvmOptions<SvmOptions>;

export const SAE_SVM_STAGES = [PRETRAIN_STAGE, SVM_STAGE] as const;
const AUTOENCODER_FILE = 'autoencoder';
const SVM_FILE = 'svm';

/**
 * A sparse autoencoder learnt without labels (see sparse-autoencoder.ts), then a one-vs-rest SVM
 * (src/models/svm) on its codes, computed once from the frozen encoder. Stages 'pretrain' and 'svm'; there
 * is no fine-tuning (the SVM is trained in JS, outside the engine's gradients). Checkpoints of both stages
 * hold the autoencoder, the SVM and both optimisers. `decisionFunction` returns the SVM's decision values.
 */
export class SaeSvmClassifier extends BaseClassifier<SaeSvmClassifierOptions> {
  readonly kind = 'sae-svm';
  readonly outputKind = 'margins';
  readonly options: Readonly<SaeSvmClassifierOptions>;
  private autoencoder: SparseAutoencoder;
  private svm: SvmClassifier | null = null;
  private trained = false;

  constructor(options: Partial<SaeSvmClassifierOptions> = {}) {
    super();
    // Validates the nested SVM options too, so bad ones fail now rather than after pretraining.
    const { svm, ...autoencoder } = resolveSaeSvmOptions<SvmOptions>(options);
    this.options = Object.freeze({ ...autoencoder, svm: Object.freeze(svm) });
    this.autoencoder = new SparseAutoencoder(autoencoder);
  }

  get fitted(): boolean {
    return this.trained;
  }

  /** The SVM's options: the nested ones, with epochs / patience / seed following the top level when unset. */
  svmOptions(): Partial<SvmOptions> {
    const o = this.options;
    return { epochs: o.epochs, patience: o.patience, seed: (o.seed ^ 0x73766d) >>> 0, ...o.svm };
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    await initEngine();
    const o = this.options;
    checkLabels(this.kind, y, x.rows, context.nClasses);
    checkInput(x, 'training', x.cols);
    this.trained = false;
    this.autoencoder.initialise(x.cols, { fresh: true });
    this.svm = new SvmClassifier(this.svmOptions());
    const resumeFrom = context.resumeFrom;
    if (resumeFrom) this.autoencoder.setWeights(resumeFrom.weights, 'the checkpoint');
    const validation = context.validation;
    if (validation) {
      checkLabels(this.kind, validation.y, validation.x.rows, context.nClasses, { what: 'validation' });
    }
    const svmEpochs = this.svm.options.epochs;
    const progress = new EpochProgress(o.epochs + svmEpochs, context.onProgress);

    await runStage(
      {
        name: PRETRAIN_STAGE,
        build: () => withModelWeights(this.autoencoder.pretrainStage(x, validation?.x), this),
        epochs: o.epochs,
        patience: o.patience,
        stageOrder: SAE_SVM_STAGES,
      },
      context,
      progress,
    );
    this.autoencoder.markFitted();

    const codes = this.autoencoder.codes(x);
    const valCodes = validation && { x: this.autoencoder.codes(validation.x), y: validation.y };
    let svmEpochsRun = 0;
    const counter: Callback = {
      onEpochEnd: () => {
        svmEpochsRun++;
        progress.credit(1, SVM_STAGE);
      },
    };
    const autoencoder = this.autoencoder;
    await this.svm.fit(codes, y, {
      nClasses: context.nClasses,
      validation: valCodes,
      callbacks: [...(context.callbacks ?? []).map((c) => withAutoencoderWeights(c, autoencoder)), counter],
      // The SVM picks its tensors (named svm/…) out of the whole model's checkpoint.
      resumeFrom: resumeFrom?.state.stage === SVM_STAGE ? resumeFrom : undefined,
    });
    progress.credit(svmEpochs - svmEpochsRun, SVM_STAGE);
    this.trained = true;
    progress.finish();
    return this;
  }

  /** Decision values of the SVM on the codes (margins, not probabilities), rows × nClasses. */
  async decisionFunction(x: Matrix): Promise<Matrix> {
    const svm = this.requireFitted();
    await initEngine();
    checkInput(x, 'input', this.autoencoder.nFeatures);
    return svm.decisionFunction(this.autoencoder.codes(x));
  }

  /** The softmax of the margins (not calibrated probabilities). */
  async predictProba(x: Matrix): Promise<Matrix> {
    return softmaxRows(await this.decisionFunction(x));
  }

  /** Codes of the fitted encoder. */
  transform(x: Matrix): Promise<Matrix> {
    this.requireFitted();
    return this.autoencoder.transform(x);
  }

  /** Autoencoder, SVM (once it exists) and their optimisers' state. */
  getWeights(): NamedWeights {
    const weights = this.autoencoder.getWeights();
    return this.svm?.fitted ? { ...weights, ...this.svm.getWeights() } : weights;
  }

  setWeights(weights: NamedWeights): void {
    this.autoencoder.setWeights(weights, 'the checkpoint');
    if (this.svm && Object.keys(weights).some((name) => name.startsWith('svm/')))
      this.svm.setWeights(weights);
  }

  async save(dir: string): Promise<string[]> {
    const svm = this.requireFitted();
    return [...(await this.autoencoder.save(dir, AUTOENCODER_FILE)), ...(await svm.save(dir, SVM_FILE))];
  }

  static async load(dir: string, options: Partial<SaeSvmClassifierOptions>): Promise<SaeSvmClassifier> {
    const model = new SaeSvmClassifier(options);
    model.autoencoder = await SparseAutoencoder.load(dir, model.autoencoder.options, AUTOENCODER_FILE);
    const svm = await SvmClassifier.load(dir, model.svmOptions(), SVM_FILE);
    if (svm.shape.nFeatures !== model.options.hiddenUnits) {
      throw new IotIdsError(
        `the saved SVM takes ${svm.shape.nFeatures} inputs but the autoencoder makes ${model.options.hiddenUnits} codes`,
        { location: { file: join(dir, `${SVM_FILE}.json`) } },
      );
    }
    model.svm = svm;
    model.trained = true;
    return model;
  }

  async dispose(): Promise<void> {
    this.trained = false;
    await this.svm?.dispose();
    this.svm = null;
    await this.autoencoder.dispose();
  }

  private requireFitted(): SvmClassifier {
    if (!this.trained || !this.svm) {
      throw new NotFittedError(this.kind);
    }
    return this.svm;
  }
}

/**
 * The SVM's stage only knows the SVM's tensors; the context's callbacks (checkpoints above all) must see
 * the autoencoder's as well, so a checkpoint of the 'svm' stage can restore the whole model.
 */
function withAutoencoderWeights(callback: Callback, autoencoder: SparseAutoencoder): Callback {
  const whole = (control: LoopControl): LoopControl => ({
    stage: control.stage,
    stop: (reason) => control.stop(reason),
    get stopReason() {
      return control.stopReason;
    },
    callbackStates: () => control.callbackStates(),
    getWeights: () => ({ ...autoencoder.getWeights(), ...control.getWeights() }),
    setWeights: (weights) => {
      autoencoder.setWeights(weights, 'the checkpoint');
      control.setWeights(weights);
    },
  });
  const onEpochEnd = callback.onEpochEnd?.bind(callback);
  const onStageEnd = callback.onStageEnd?.bind(callback);
  return {
    onStageBegin: callback.onStageBegin?.bind(callback),
    onBatchEnd: callback.onBatchEnd?.bind(callback),
    onEpochEnd: onEpochEnd && ((epoch, logs, control) => onEpochEnd(epoch, logs, whole(control))),
    onStageEnd: onStageEnd && ((info, control) => onStageEnd(info, whole(control))),
  };
}
