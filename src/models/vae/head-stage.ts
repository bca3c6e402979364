import type { Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { Adam } from '../../fit/adam.js';
import { lossAndAccuracy } from '../probability-metrics.js';
import { HeadStep, type HeadParameters } from './softmax-head.js';
import { epochRandom } from './vae-stage.js';

export const HEAD_STAGE = 'classifier';
export const HEAD_PREFIX = 'head/';

export interface HeadStageData {
  /** The VAE features (posterior means) of the training rows. */
  readonly features: Matrix;
  readonly y: Int32Array;
  /** Per-row loss weights (class weights), or null for all 1. */
  readonly rowWeights: Float32Array | null;
  readonly validation?: { readonly features: Matrix; readonly y: Int32Array };
}

/**
 * The head's training stage on fixed VAE features. Checkpoints hold the whole model: the frozen VAE weights
 * (from `otherWeights`), the head and its optimizer state. Row order per epoch depends on (seed, epoch).
 */
export class HeadStage implements TrainableStage {
  readonly name = HEAD_STAGE;
  readonly batchesPerEpoch: number;
  private readonly step: HeadStep;
  private readonly batchFeatures: Float32Array;
  private readonly batchLabels: Int32Array;
  private readonly batchWeights: Float32Array | null;

  constructor(
    private readonly head: HeadParameters,
    private readonly adam: Adam,
    private readonly data: HeadStageData,
    private readonly options: { readonly batchSize: number; readonly seed: number },
    private readonly otherWeights: () => NamedWeights,
  ) {
    const batchSize = Math.max(1, Math.min(options.batchSize, data.features.rows));
    this.batchesPerEpoch = Math.ceil(data.features.rows / batchSize);
    this.step = new HeadStep(head);
    this.batchFeatures = new Float32Array(batchSize * data.features.cols);
    this.batchLabels = new Int32Array(batchSize);
    this.batchWeights = data.rowWeights ? new Float32Array(batchSize) : null;
  }

  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    const { features, y, rowWeights } = this.data;
    const cols = features.cols;
    const order = epochRandom(this.options.seed, epoch, 1).shuffle(
      Int32Array.from({ length: features.rows }, (_, i) => i),
    );
    const batchSize = this.batchLabels.length;
    let lossSum = 0;
    let correct = 0;
    for (let batch = 0; batch < this.batchesPerEpoch; batch++) {
      const start = batch * batchSize;
      const n = Math.min(batchSize, features.rows - start);
      for (let i = 0; i < n; i++) {
        const row = order[start + i];
        for (let c = 0; c < cols; c++) this.batchFeatures[i * cols + c] = features.data[row * cols + c];
        this.batchLabels[i] = y[row];
        if (this.batchWeights && rowWeights) this.batchWeights[i] = rowWeights[row];
      }
      const result = this.step.run(this.batchFeatures, this.batchLabels, this.batchWeights, n);
      onBatch(batch, result.lossSum / n);
      this.adam.apply(this.step.gradients);
      lossSum += result.lossSum;
      correct += result.correct;
    }
    return Promise.resolve({ loss: lossSum / features.rows, accuracy: correct / features.rows });
  }

  validate(): Promise<Pick<EpochLogs, 'valLoss' | 'valAccuracy'>> {
    const validation = this.data.validation;
    if (!validation || validation.features.rows === 0) return Promise.resolve({});
    const { loss, accuracy } = lossAndAccuracy(this.head.predictProba(validation.features), validation.y);
    return Promise.resolve({ valLoss: loss, valAccuracy: accuracy });
  }

  getWeights(): NamedWeights {
    return { ...this.otherWeights(), ...this.head.toWeights(HEAD_PREFIX), ...this.adam.state(HEAD_PREFIX) };
  }

  setWeights(weights: NamedWeights): void {
    const source = 'vae classifier checkpoint';
    this.head.assign(weights, HEAD_PREFIX, source);
    this.adam.restore(weights, source, HEAD_PREFIX);
  }
}
