import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { Adam } from '../../fit/adam.js';
import { BiGruPass } from './bigru-pass.js';
import { ShuffledBatches, type WeightedRows } from './shuffled-batches.js';
import type { BiGruParameters } from './parameters.js';
import { lossAndAccuracy } from '../probability-metrics.js';

export const BIGRU_STAGE = 'bigru';

/**
 * Rows per engine call when scoring. Throughput is flat from 256 to 4096 rows (the gate loops scale with
 * the rows, and the products are already large); 512 was marginally the fastest and keeps buffers small.
 */
export const PREDICT_BATCH_SIZE = 512;

export interface BiGruStageData extends WeightedRows {
  readonly validation?: { readonly x: Matrix; readonly y: Int32Array };
}

/**
 * The BiGRU's training stage. Each epoch draws its row order from a generator seeded by (seed, epoch)
 * alone, so a run resumed after epoch k repeats exactly what the uninterrupted run did from epoch k + 1 on.
 * Checkpoint weights are the parameters plus Adam's state, names prefixed with `prefix`.
 */
export class BiGruStage implements TrainableStage {
  readonly name = BIGRU_STAGE;
  readonly batchesPerEpoch: number;
  private readonly pass: BiGruPass;
  private readonly batches: ShuffledBatches;

  constructor(
    private readonly params: BiGruParameters,
    private readonly adam: Adam,
    private readonly data: BiGruStageData,
    private readonly options: { readonly batchSize: number; readonly seed: number; readonly prefix: string },
  ) {
    this.batches = new ShuffledBatches(data, options.batchSize, options.seed);
    this.batchesPerEpoch = this.batches.batchesPerEpoch;
    this.pass = new BiGruPass(params, this.batches.batchSize, true);
  }

  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    const { x } = this.data;
    const batches = this.batches;
    let lossSum = 0;
    let correct = 0;
    batches.forEachBatch(epoch, (batch, n) => {
      this.pass.forward(batches.x, n);
      const result = this.pass.backward(batches.y, batches.weights, n);
      // A non-finite loss stops the loop here, before it reaches the weights.
      onBatch(batch, result.lossSum / n);
      this.adam.apply(this.pass.gradients);
      lossSum += result.lossSum;
      correct += result.correct;
    });
    return Promise.resolve({ loss: lossSum / x.rows, accuracy: correct / x.rows });
  }

  /** Unweighted mean cross-entropy and accuracy on the validation rows. */
  validate(): Promise<Pick<EpochLogs, 'valLoss' | 'valAccuracy'>> {
    const validation = this.data.validation;
    if (!validation || validation.x.rows === 0) return Promise.resolve({});
    const probabilities = predictProbabilities(this.params, validation.x);
    return Promise.resolve(validationFigures(probabilities, validation.y));
  }

  getWeights(): NamedWeights {
    return { ...this.params.toWeights(this.options.prefix), ...this.adam.state() };
  }

  setWeights(weights: NamedWeights): void {
    const source = 'bigru checkpoint';
    if (!weights[`${this.options.prefix}adam/iterations`]) {
      throw new IotIdsError('bigru: the checkpoint holds no optimizer state for the bigru stage', {
        location: { file: source },
      });
    }
    this.params.assign(weights, source, this.options.prefix);
    this.adam.restore(weights, source);
  }
}

/** rows × classes probabilities of `x`, scored in batches of `PREDICT_BATCH_SIZE`. */
export function predictProbabilities(params: BiGruParameters, x: Matrix): Matrix {
  const k = params.shape.classes;
  const out = new Float32Array(x.rows * k);
  const pass = new BiGruPass(params, Math.max(1, Math.min(PREDICT_BATCH_SIZE, x.rows)), false);
  for (let start = 0; start < x.rows; start += pass.capacity) {
    const n = Math.min(pass.capacity, x.rows - start);
    out.set(pass.forward(x.data.subarray(start * x.cols, (start + n) * x.cols), n), start * k);
  }
  return { rows: x.rows, cols: k, data: out };
}

/** The BiGRU stages' validation figures: cross-entropy with the probability floor of their published runs. */
export const BIGRU_PROBABILITY_FLOOR = 1e-30;

export function validationFigures(
  probabilities: Matrix,
  y: Int32Array,
): { valLoss: number; valAccuracy: number } {
  const { loss, accuracy } = lossAndAccuracy(probabilities, y, BIGRU_PROBABILITY_FLOOR);
  return { valLoss: loss, valAccuracy: accuracy };
}
