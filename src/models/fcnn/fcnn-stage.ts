import { IotIdsError } from '../../errors.js';
import type { Adam } from '../../fit/adam.js';
import { SoftmaxStage, type SoftmaxStageData } from '../softmax-stage.js';
import { FoldedNetwork } from './inference.js';
import type { FcnnParameters } from './parameters.js';
import { TrainingStep } from './training-step.js';

export const FCNN_STAGE = 'fcnn';

export type FcnnStageData = SoftmaxStageData;

/**
 * The FCNN's single training stage: the shared softmax stage with even batches (sizes differ by at most
 * one row: a remainder batch of a few rows would normalise with meaningless statistics and drag the moving
 * averages just before validation) and dropout masks drawn from the epoch's generator, seeded by
 * (seed, epoch) alone, so a run resumed from a checkpoint after epoch k repeats exactly what the
 * uninterrupted run would have done from epoch k + 1 on. Validation runs the folded (inference) network.
 */
export class FcnnStage extends SoftmaxStage {
  constructor(
    params: FcnnParameters,
    adam: Adam,
    data: FcnnStageData,
    options: {
      readonly batchSize: number;
      readonly dropout: number;
      readonly seed: number;
      readonly focalGamma?: number;
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
  }
}
