import type { EpochLogs } from '../fit/callbacks.js';
import type { Adam } from '../fit/adam.js';
import type { TrainableStage } from '../fit/fit-stage.js';
import type { NamedWeights } from '../fit/weights-file.js';
import type { Matrix } from '../preprocess/matrix.js';
import type { Random } from '../util/random.js';
import { KERAS_PROBABILITY_FLOOR, lossAndAccuracy } from './probability-metrics.js';
import { ShuffledBatches, type ShuffledBatchesOptions, type WeightedRows } from './shuffled-batches.js';

/** Training rows of a softmax stage, with the validation rows its early stopping watches. */
export interface SoftmaxStageData extends WeightedRows {
  readonly validation?: { readonly x: Matrix; readonly y: Int32Array };
}

/** One batch's forward and backward pass: fills `gradients` (in the Adam's order) for the batch. */
export interface SoftmaxBatchStep {
  readonly gradients: readonly Float32Array[];
  /**
   * Trains on the first `n` rows of the batch buffers (`batch.x`, `batch.y`, `batch.weights`); `random` is
   * the epoch's generator (dropout masks). Returns Σ weight · cross-entropy over the rows and how many the
   * arg-max gets right.
   */
  run(batch: ShuffledBatches, n: number, random: Random): { lossSum: number; correct: number };
}

/** What a model puts into the one softmax training stage. */
export interface SoftmaxStageSpec {
  readonly name: string;
  readonly data: SoftmaxStageData;
  readonly batches: ShuffledBatchesOptions;
  /** Builds the step once the batch buffers exist (a step may size its own buffers by them). */
  readonly step: (batches: ShuffledBatches) => SoftmaxBatchStep;
  readonly adam: Adam;
  /** rows × classes probabilities of the validation rows, in inference mode. */
  readonly validationProbabilities: (x: Matrix) => Matrix;
  /** Clamp of the validation cross-entropy (probability-metrics.ts). Default Keras's 1e-7. */
  readonly probabilityFloor?: number;
  /** What a checkpoint holds: the parameters (and whatever else the model owns) plus the Adam's state. */
  readonly getWeights: () => NamedWeights;
  readonly setWeights: (weights: NamedWeights) => void;
}

/**
 * The batched softmax training stage the FCNN, the VAE's head and the BiGRU share: each epoch shuffles the
 * rows from (seed, epoch) alone, runs the model's step on every batch, reports the batch loss before the
 * Adam step (a non-finite loss stops the loop before it reaches the weights), and logs the mean weighted
 * cross-entropy and accuracy; `validate` gives the unweighted validation cross-entropy and accuracy.
 */
export class SoftmaxStage implements TrainableStage {
  readonly name: string;
  readonly batchesPerEpoch: number;
  private readonly batches: ShuffledBatches;
  private readonly step: SoftmaxBatchStep;

  constructor(private readonly spec: SoftmaxStageSpec) {
    this.name = spec.name;
    this.batches = new ShuffledBatches(spec.data, spec.batches);
    this.batchesPerEpoch = this.batches.batchesPerEpoch;
    this.step = spec.step(this.batches);
  }

  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    const rows = this.spec.data.x.rows;
    let lossSum = 0;
    let correct = 0;
    this.batches.forEachBatch(epoch, (batch, n, random) => {
      const result = this.step.run(this.batches, n, random);
      onBatch(batch, result.lossSum / n);
      this.spec.adam.apply(this.step.gradients);
      lossSum += result.lossSum;
      correct += result.correct;
    });
    return Promise.resolve({ loss: lossSum / rows, accuracy: correct / rows });
  }

  validate(): Promise<Pick<EpochLogs, 'valLoss' | 'valAccuracy'>> {
    const validation = this.spec.data.validation;
    if (!validation || validation.x.rows === 0) return Promise.resolve({});
    const { loss, accuracy } = lossAndAccuracy(
      this.spec.validationProbabilities(validation.x),
      validation.y,
      this.spec.probabilityFloor ?? KERAS_PROBABILITY_FLOOR,
    );
    return Promise.resolve({ valLoss: loss, valAccuracy: accuracy });
  }

  getWeights(): NamedWeights {
    return this.spec.getWeights();
  }

  setWeights(weights: NamedWeights): void {
    this.spec.setWeights(weights);
  }
}
