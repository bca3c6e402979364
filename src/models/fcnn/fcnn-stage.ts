import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import { epochRandom } from '../../util/epoch-random.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { Adam } from '../../fit/adam.js';
import { lossAndAccuracy } from '../probability-metrics.js';
import { FoldedNetwork } from './inference.js';
import type { FcnnParameters } from './parameters.js';
import { TrainingStep } from './training-step.js';

export const FCNN_STAGE = 'fcnn';

export interface FcnnStageData {
  readonly x: Matrix;
  readonly y: Int32Array;
  /** Per-row loss weights (class weights), or null for all 1. */
  readonly rowWeights: Float32Array | null;
  readonly validation?: { readonly x: Matrix; readonly y: Int32Array };
}

/**
 * The FCNN's single training stage. Each epoch draws its row order and dropout masks from a generator
 * seeded by (seed, epoch) alone, so a run resumed from a checkpoint after epoch k repeats exactly what the
 * uninterrupted run would have done from epoch k + 1 on.
 */
export class FcnnStage implements TrainableStage {
  readonly name = FCNN_STAGE;
  readonly batchesPerEpoch: number;
  private readonly step: TrainingStep;
  private readonly batchX: Float32Array;
  private readonly batchY: Int32Array;
  private readonly batchWeights: Float32Array | null;

  constructor(
    private readonly params: FcnnParameters,
    private readonly adam: Adam,
    private readonly data: FcnnStageData,
    private readonly options: { readonly batchSize: number; readonly dropout: number; readonly seed: number },
  ) {
    this.batchesPerEpoch = Math.ceil(data.x.rows / options.batchSize);
    const batchSize = Math.ceil(data.x.rows / this.batchesPerEpoch);
    this.step = new TrainingStep(params, options.dropout);
    this.batchX = new Float32Array(batchSize * data.x.cols);
    this.batchY = new Int32Array(batchSize);
    this.batchWeights = data.rowWeights ? new Float32Array(batchSize) : null;
  }

  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    const { x } = this.data;
    const random = epochRandom(this.options.seed, epoch);
    const order = random.shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
    let lossSum = 0;
    let correct = 0;
    for (let batch = 0; batch < this.batchesPerEpoch; batch++) {
      // Batches as even as possible (sizes differ by at most one row): a remainder batch of a few rows
      // would normalise with meaningless statistics and drag the moving averages just before validation.
      const start = Math.floor((batch * x.rows) / this.batchesPerEpoch);
      const end = Math.floor(((batch + 1) * x.rows) / this.batchesPerEpoch);
      const n = end - start;
      this.gather(order.subarray(start, end));
      const result = this.step.run(this.batchX, this.batchY, this.batchWeights, n, random);
      // A non-finite loss is reported before it can reach the weights.
      onBatch(batch, result.lossSum / n);
      this.adam.apply(this.step.gradients);
      lossSum += result.lossSum;
      correct += result.correct;
    }
    return Promise.resolve({ loss: lossSum / x.rows, accuracy: correct / x.rows });
  }

  /** Copies the rows `rows` into the batch buffers (an element loop: no view object per row). */
  private gather(rows: Int32Array): void {
    const { x, y, rowWeights } = this.data;
    const { data, cols } = x;
    const batchX = this.batchX;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const from = row * cols;
      const to = i * cols;
      for (let f = 0; f < cols; f++) batchX[to + f] = data[from + f];
      this.batchY[i] = y[row];
      if (this.batchWeights && rowWeights) this.batchWeights[i] = rowWeights[row];
    }
  }

  /** Unweighted mean cross-entropy and accuracy on the validation rows, in inference mode. */
  validate(): Promise<Pick<EpochLogs, 'valLoss' | 'valAccuracy'>> {
    const validation = this.data.validation;
    if (!validation || validation.x.rows === 0) return Promise.resolve({});
    const network = new FoldedNetwork(this.params);
    try {
      const { loss, accuracy } = lossAndAccuracy(network.predictProba(validation.x), validation.y);
      return Promise.resolve({ valLoss: loss, valAccuracy: accuracy });
    } finally {
      network.dispose();
    }
  }

  /** Network parameters plus the optimizer's moments and step count. */
  getWeights(): NamedWeights {
    return { ...this.params.toWeights(), ...this.adam.state() };
  }

  setWeights(weights: NamedWeights): void {
    const source = 'fcnn checkpoint';
    if (!weights['adam/iterations']) {
      throw new IotIdsError(
        'fcnn: the checkpoint holds no optimizer state; it was not written by an fcnn run',
        {
          location: { file: source },
        },
      );
    }
    this.params.assign(weights, source);
    this.adam.restore(weights, source);
  }
}
