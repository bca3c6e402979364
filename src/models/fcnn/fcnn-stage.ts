import { IotIdsError } from '../../errors.js';
import type { Adam } from '../../fit/adam.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import { ShuffledBatches } from '../shuffled-batches.js';
import { SoftmaxStage, type SoftmaxStageData } from '../softmax-stage.js';
import { FoldedNetwork } from './inference.js';
import type { FcnnParameters } from './parameters.js';
import { FcnnStepKernel } from './step-kernel.js';
import { TrainingStep } from './training-step.js';

export const FCNN_STAGE = 'fcnn';

export type FcnnStageData = SoftmaxStageData;

/**
 * The FCNN's single training stage: the shared softmax stage with even batches (sizes differ by at most
 * one row: a remainder batch of a few rows would normalise with meaningless statistics and drag the moving
 * averages just before validation) and dropout masks drawn from the epoch's generator, seeded by
 * (seed, epoch) alone, so a run resumed from a checkpoint after epoch k repeats exactly what the
 * uninterrupted run would have done from epoch k + 1 on. Validation runs the folded (inference) network.
 *
 * An epoch runs in the step kernel (step-kernel.ts: the whole step and Adam in WebAssembly, the weights
 * resident there for the epoch); with `kernel: false` it runs the reference `TrainingStep` and the JS Adam
 * batch by batch, which gives the same bits (the tests compare them).
 */
export class FcnnStage extends SoftmaxStage {
  private readonly kernelPath: {
    readonly batches: ShuffledBatches;
    readonly make: (maxRows: number) => FcnnStepKernel;
    kernel: FcnnStepKernel | null;
  } | null;

  constructor(
    private readonly params: FcnnParameters,
    private readonly adam: Adam,
    private readonly data: FcnnStageData,
    options: {
      readonly batchSize: number;
      readonly dropout: number;
      readonly seed: number;
      readonly focalGamma?: number;
      /** Run the step kernel (default) or the reference step. */
      readonly kernel?: boolean;
    },
  ) {
    super({
      name: FCNN_STAGE,
      data,
      batches: { batchSize: options.batchSize, seed: options.seed, layout: 'even' },
      step: () => {
        const step = new TrainingStep(params, options.dropout, options.focalGamma);
        return {
          gradients: step.gradients,
          run: (batch, n, random) => step.run(batch.x, batch.y, batch.weights, n, random),
        };
      },
      adam,
      validationProbabilities: (x) => {
        const network = new FoldedNetwork(params);
        try {
          return network.predictProba(x);
        } finally {
          network.dispose();
        }
      },
      // Network parameters plus the optimizer's moments and step count.
      getWeights: () => ({ ...params.toWeights(), ...adam.state() }),
      setWeights: (weights) => {
        const source = 'fcnn checkpoint';
        if (!weights['adam/iterations']) {
          throw new IotIdsError(
            'fcnn: the checkpoint holds no optimizer state; it was not written by an fcnn run',
            { location: { file: source } },
          );
        }
        params.assign(weights, source);
        adam.restore(weights, source);
      },
    });
    this.kernelPath =
      options.kernel === false
        ? null
        : {
            batches: new ShuffledBatches(data, {
              batchSize: options.batchSize,
              seed: options.seed,
              layout: 'even',
            }),
            make: (maxRows) =>
              new FcnnStepKernel(
                params,
                data.x,
                data.y,
                data.rowWeights,
                maxRows,
                options.dropout,
                options.focalGamma,
              ),
            kernel: null,
          };
  }

  override trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    const path = this.kernelPath;
    if (path === null) return super.trainEpoch(epoch, onBatch);
    // Built on first use: it copies the training matrix's non-zero entries in once.
    const kernel = (path.kernel ??= path.make(path.batches.batchSize));
    const { adam } = this;
    let lossSum = 0;
    let correct = 0;
    kernel.load(adam);
    try {
      path.batches.forEachRange(epoch, (batch, start, n, order, random) => {
        if (batch === 0) kernel.setOrder(order);
        const result = kernel.run(start, n, order, random);
        // As SoftmaxStage: the loss is reported before the update (a non-finite one stops the loop here).
        onBatch(batch, result.lossSum / n);
        kernel.applyAdam(adam);
        lossSum += result.lossSum;
        correct += result.correct;
      });
    } finally {
      // Also after a stop: the parameters are then those after the last completed update, as with the reference.
      kernel.store(adam);
    }
    const rows = this.data.x.rows;
    return Promise.resolve({ loss: lossSum / rows, accuracy: correct / rows });
  }
}
