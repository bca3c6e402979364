import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

import { initEngine, miniBatches, ops } from '../../engine/index.js';
import { IotIdsError, usageError } from '../../errors.js';
import { readWeights, writeWeights, type NamedWeights } from '../../fit/weights-file.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, type TrainableStage } from '../../fit/fit-stage.js';
import { writeJsonAtomic } from '../../util/atomic-write.js';
import { Random } from '../../util/random.js';
import { AutoencoderNetwork } from './autoencoder-network.js';
import { anomalousMask, checkFalsePositiveRate, thresholdAtFalsePositiveRate } from './threshold.js';

export { anomalousMask };
import { NotFittedError } from '../fit-input.js';
import { freezeDefaults, resolveOptions } from '../options.js';
import type { UnsupervisedEstimator, UnsupervisedFitContext } from '../unsupervised.js';

export interface AnomalyDetectorOptions {
  /** Encoder layers down to the bottleneck; the decoder mirrors them. Default [32, 8] (122 → 32 → 8 → 32 → 122). */
  hiddenUnits: number[];
  /** Most epochs to train. Default 50. */
  epochs: number;
  /** Rows per Adam step. Default 256. */
  batchSize: number;
  /** Adam step size. Default 0.001. */
  learningRate: number;
  /** Epochs without a lower validation reconstruction loss before stopping (best weights are restored). Default 5. */
  patience: number;
  /** Smallest drop of the validation loss that counts (mean squared errors of scaled features are small). Default 1e-6. */
  minDelta: number;
  /** Seeds the initial weights and the batch order. Default 1. */
  seed: number;
}

export interface AnomalyFitOptions extends UnsupervisedFitContext {
  /** Share of validation-normal rows allowed above the threshold. Default 0.01. */
  falsePositiveRate?: number;
}

/** Provenance stored next to the weights, e.g. which pipeline the features came from. */
export interface AnomalyDetectorInfo {
  /** SHA-256 of the model directory's pipeline.json the features were encoded with. */
  pipelineSha256?: string;
  /** Training split the normal rows came from. */
  trainSplit?: string;
  trainRows?: number;
  validationRows?: number;
  /** Epochs run and why training stopped. */
  epochsRun?: number;
  stopReason?: string;
}

export const STAGE_NAME = 'autoencoder';
const WEIGHTS_NAME = 'autoencoder';
const SETTINGS_FILE = 'zero-day.json';
const VALIDATION_ERRORS = 'validation-errors';

/** The defaults every unset option takes (documented on AnomalyDetectorOptions). */
export const anomalyDetectorDefaults = freezeDefaults<AnomalyDetectorOptions>({
  hiddenUnits: [32, 8],
  epochs: 50,
  batchSize: 256,
  learningRate: 0.001,
  patience: 5,
  minDelta: 1e-6,
  seed: 1,
});

/** The user-settable options (`seed` comes from the run), as the constructor validates them. */
export const anomalyDetectorOptionsSchema = z
  .object({
    hiddenUnits: z.array(z.number().int().positive()).min(1),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    patience: z.number().int().positive(),
    minDelta: z.number().nonnegative(),
  })
  .partial()
  .strict();

const settingsSchema = z
  .object({
    formatVersion: z.literal(1),
    kind: z.literal('autoencoder'),
    nFeatures: z.number().int().positive(),
    options: anomalyDetectorOptionsSchema.extend({ seed: z.number().int() }).required(),
    threshold: z.number(),
    falsePositiveRate: z.number().min(0).max(1),
    info: z
      .object({
        pipelineSha256: z.string().optional(),
        trainSplit: z.string().optional(),
        trainRows: z.number().int().optional(),
        validationRows: z.number().int().optional(),
        epochsRun: z.number().int().optional(),
        stopReason: z.string().optional(),
      })
      .strict(),
    createdAt: z.string(),
  })
  .strict();

/**
 * Zero-day mode's anomaly detector: an autoencoder trained on normal traffic only. Its score for a record is
 * the mean squared error of the record's reconstruction; the threshold is the (1 − false-positive rate)
 * quantile of the errors on held-out normal rows, so on traffic like the training traffic about that share
 * of normal records is flagged, and anything unlike normal traffic (including attacks never seen in
 * training) tends to score above it.
 */
export class AnomalyDetector implements UnsupervisedEstimator<AnomalyDetectorOptions> {
  readonly kind = 'anomaly detector';
  readonly options: Readonly<AnomalyDetectorOptions>;
  private network: AutoencoderNetwork | undefined;
  private validationErrors: Float32Array | undefined;
  private rate = Number.NaN;
  private cut = Number.NaN;
  /** Provenance recorded by `fit`'s caller or read by `load`. */
  info: AnomalyDetectorInfo = {};
  /** Per-epoch losses of the last `fit` (empty after `load`). */
  history: EpochLogs[] = [];

  constructor(options: Partial<AnomalyDetectorOptions> = {}) {
    this.options = Object.freeze(
      resolveOptions('anomaly detector', anomalyDetectorOptionsSchema, anomalyDetectorDefaults, options),
    );
  }

  get fitted(): boolean {
    return this.network !== undefined;
  }

  /** Reconstruction error above which a record is anomalous. */
  get threshold(): number {
    this.requireFitted();
    return this.cut;
  }

  /** The false-positive rate the threshold was set for. */
  get falsePositiveRate(): number {
    this.requireFitted();
    return this.rate;
  }

  get nFeatures(): number {
    return this.requireFitted().inputs;
  }

  /**
   * Trains on `normalX` (normal traffic only), stopping early on the reconstruction loss of
   * `options.validation` (normal rows too, required), then sets the threshold from that validation set's
   * errors.
   */
  async fit(normalX: Matrix, options: AnomalyFitOptions = {}): Promise<this> {
    const falsePositiveRate = options.falsePositiveRate ?? 0.01;
    checkFalsePositiveRate(falsePositiveRate);
    const validationNormalX = options.validation;
    if (normalX.rows === 0) throw new IotIdsError('cannot train the anomaly detector on 0 normal rows');
    if (!validationNormalX || validationNormalX.rows === 0) {
      throw new IotIdsError('the anomaly detector needs validation normal rows to set its threshold');
    }
    if (validationNormalX.cols !== normalX.cols) {
      throw usageError(
        `validation rows have ${validationNormalX.cols} features, training rows ${normalX.cols}`,
      );
    }
    await initEngine();
    this.dispose();
    const random = new Random(this.options.seed);
    const network = AutoencoderNetwork.create(normalX.cols, this.options.hiddenUnits, random);
    this.network = network;
    try {
      const stage = new AutoencoderStage(network, normalX, validationNormalX, this.options, random.fork());
      const early = new EarlyStopping({
        monitor: 'valLoss',
        patience: this.options.patience,
        minDelta: this.options.minDelta,
        restoreBestWeights: true,
      });
      const result = await fitStage(stage, {
        epochs: this.options.epochs,
        callbacks: [early, ...(options.callbacks ?? [])],
      });
      this.validationErrors = network.rowErrors(validationNormalX);
      this.setFalsePositiveRate(falsePositiveRate);
      this.info = { ...this.info, epochsRun: result.epochsRun, stopReason: result.stopReason };
      this.history = result.history;
      return this;
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Moves the threshold to another false-positive rate, from the validation errors kept since `fit`. */
  setFalsePositiveRate(rate: number): void {
    this.requireFitted();
    if (this.validationErrors === undefined) {
      throw new IotIdsError('no validation errors are stored with this anomaly detector');
    }
    this.cut = thresholdAtFalsePositiveRate(this.validationErrors, rate);
    this.rate = rate;
  }

  /** The validation-normal reconstruction errors the threshold comes from (a copy). */
  getValidationErrors(): Float32Array {
    this.requireFitted();
    return (this.validationErrors ?? new Float32Array(0)).slice();
  }

  /** Reconstruction error of every row (mean squared error over the features). */
  async score(x: Matrix): Promise<Float32Array> {
    const network = this.requireFitted();
    await initEngine();
    return network.rowErrors(x);
  }

  /** The bottleneck code of every row: rows × the last of `hiddenUnits`. */
  async transform(x: Matrix): Promise<Matrix> {
    const network = this.requireFitted();
    await initEngine();
    return network.codes(x);
  }

  /** 1 where the row's reconstruction error is above the threshold. */
  async isAnomalous(x: Matrix): Promise<Uint8Array> {
    return anomalousMask(await this.score(x), this.threshold);
  }

  /** Writes `autoencoder.bin`, `autoencoder.json` and `zero-day.json` into `dir`; returns their names. */
  async save(dir: string): Promise<string[]> {
    const network = this.requireFitted();
    const weights: NamedWeights = network.getWeights();
    if (this.validationErrors) {
      weights[VALIDATION_ERRORS] = { shape: [this.validationErrors.length], data: this.validationErrors };
    }
    const files = await writeWeights(dir, WEIGHTS_NAME, weights);
    const settings: z.infer<typeof settingsSchema> = {
      formatVersion: 1,
      kind: 'autoencoder',
      nFeatures: network.inputs,
      options: { ...this.options, hiddenUnits: [...this.options.hiddenUnits] },
      threshold: this.cut,
      falsePositiveRate: this.rate,
      info: { ...this.info },
      createdAt: new Date().toISOString(),
    };
    await writeJsonAtomic(join(dir, SETTINGS_FILE), settings);
    return [...files, SETTINGS_FILE];
  }

  /** Reads what `save` wrote (checksummed weights, validated settings). */
  static async load(dir: string): Promise<AnomalyDetector> {
    const settingsPath = join(dir, SETTINGS_FILE);
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(settingsPath, 'utf8')) as unknown;
    } catch (error) {
      throw new IotIdsError(`cannot read the zero-day settings: ${(error as Error).message}`, {
        location: { file: settingsPath },
        cause: error,
      });
    }
    const parsed = settingsSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new IotIdsError(`invalid zero-day settings: ${issue.message}`, {
        location: { file: settingsPath, field: issue.path.join('.') || undefined },
      });
    }
    const settings = parsed.data;
    const weights = await readWeights(dir, WEIGHTS_NAME);
    await initEngine();
    const detector = new AnomalyDetector(settings.options);
    detector.network = AutoencoderNetwork.fromWeights(
      settings.nFeatures,
      settings.options.hiddenUnits,
      weights,
      join(dir, `${WEIGHTS_NAME}.json`),
    );
    detector.validationErrors = Object.hasOwn(weights, VALIDATION_ERRORS)
      ? weights[VALIDATION_ERRORS].data
      : undefined;
    detector.cut = settings.threshold;
    detector.rate = settings.falsePositiveRate;
    detector.info = settings.info;
    return detector;
  }

  /** Releases the engine's copy of the weights; the detector is unfitted afterwards. */
  dispose(): void {
    this.network?.dispose();
    this.network = undefined;
  }

  private requireFitted(): AutoencoderNetwork {
    if (!this.network) throw new NotFittedError('anomaly detector');
    return this.network;
  }
}

/** The autoencoder's one training stage, for `fitStage`: shuffled mini-batches, validation MSE. */
class AutoencoderStage implements TrainableStage {
  readonly name = STAGE_NAME;
  readonly batchesPerEpoch: number;

  constructor(
    private readonly network: AutoencoderNetwork,
    private readonly x: Matrix,
    private readonly validation: Matrix,
    private readonly options: Readonly<AnomalyDetectorOptions>,
    private readonly random: Random,
  ) {
    this.batchesPerEpoch = Math.ceil(x.rows / options.batchSize);
  }

  trainEpoch(_epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    let weightedLoss = 0;
    let batch = 0;
    for (const b of miniBatches({ x: this.x }, { batchSize: this.options.batchSize, random: this.random })) {
      let loss: number;
      try {
        loss = this.network.trainStep(b.xs, this.options.learningRate);
      } finally {
        ops.dispose(b.xs);
      }
      onBatch(batch++, loss);
      weightedLoss += loss * b.size;
    }
    return Promise.resolve({ loss: weightedLoss / this.x.rows });
  }

  validate(): Promise<Pick<EpochLogs, 'valLoss'>> {
    const errors = this.network.rowErrors(this.validation);
    let sum = 0;
    for (const e of errors) sum += e;
    return Promise.resolve({ valLoss: sum / errors.length });
  }

  getWeights(): NamedWeights {
    return this.network.getWeights();
  }

  setWeights(weights: NamedWeights): void {
    this.network.setWeights(weights);
  }
}
