import type { Adam } from '../../fit/adam.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import { SoftmaxStage, type SoftmaxStageData } from '../softmax-stage.js';
import { HeadStep, type HeadParameters } from './softmax-head.js';
import { epochRandom } from './vae-stage.js';

export const HEAD_STAGE = 'classifier';
export const HEAD_PREFIX = 'head/';

/** The VAE features (posterior means) of the training rows as `x`, their labels and weights. */
export type HeadStageData = SoftmaxStageData;

/**
 * The head's training stage on fixed VAE features: the shared softmax stage, with the row order drawn from
 * the VAE's own epoch generator (stage 1) as its published runs were. Checkpoints hold the whole model: the
 * frozen VAE weights (from `otherWeights`), the head and its optimizer state.
 */
export class HeadStage extends SoftmaxStage {
  constructor(
    head: HeadParameters,
    adam: Adam,
    data: HeadStageData,
    options: { readonly batchSize: number; readonly seed: number },
    otherWeights: () => NamedWeights,
  ) {
    super({
      name: HEAD_STAGE,
      data,
      batches: {
        batchSize: options.batchSize,
        seed: options.seed,
        random: (epoch) => epochRandom(options.seed, epoch, 1),
      },
      step: () => {
        const step = new HeadStep(head);
        return {
          gradients: step.gradients,
          run: (batch, n) => step.run(batch.x, batch.y, batch.weights, n),
        };
      },
      adam,
      validationProbabilities: (x) => head.predictProba(x),
      getWeights: () => ({ ...otherWeights(), ...head.toWeights(HEAD_PREFIX), ...adam.state(HEAD_PREFIX) }),
      setWeights: (weights) => {
        const source = 'vae classifier checkpoint';
        head.assign(weights, HEAD_PREFIX, source);
        adam.restore(weights, source, HEAD_PREFIX);
      },
    });
  }
}
