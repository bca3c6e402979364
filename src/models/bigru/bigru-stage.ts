import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Adam } from '../../fit/adam.js';
import { BiGruPass } from './bigru-pass.js';
import { trainingPass } from './training-pass.js';
import type { BiGruParameters } from './parameters.js';
import { lossAndAccuracy } from '../probability-metrics.js';
import { SoftmaxStage, type SoftmaxStageData } from '../softmax-stage.js';

export const BIGRU_STAGE = 'bigru';

/**
 * Rows per engine call when scoring. Throughput is flat from 256 to 4096 rows (the gate loops scale with
 * the rows, and the products are already large); 512 was marginally the fastest and keeps buffers small.
 */
export const PREDICT_BATCH_SIZE = 512;

export type BiGruStageData = SoftmaxStageData;

/**
 * The BiGRU's training stage: the shared softmax stage over the BiGRU's forward and backward pass. Each
 * epoch draws its row order from a generator seeded by (seed, epoch) alone, so a run resumed after epoch k
 * repeats exactly what the uninterrupted run did from epoch k + 1 on. Checkpoint weights are the
 * parameters plus Adam's state, names prefixed with `prefix`.
 */
export class BiGruStage extends SoftmaxStage {
  constructor(
    params: BiGruParameters,
    adam: Adam,
    data: BiGruStageData,
    options: { readonly batchSize: number; readonly seed: number; readonly prefix: string },
  ) {
    super({
      name: BIGRU_STAGE,
      data,
      batches: { batchSize: options.batchSize, seed: options.seed },
      step: (batches) => {
        const pass = trainingPass(params, batches.batchSize);
        return {
          gradients: pass.gradients,
          run: (batch, n) => {
            pass.forward(batch.x, n);
            return pass.backward(batch.y, batch.weights, n);
          },
        };
      },
      adam,
      validationProbabilities: (x) => predictProbabilities(params, x),
      probabilityFloor: BIGRU_PROBABILITY_FLOOR,
      getWeights: () => ({ ...params.toWeights(options.prefix), ...adam.state() }),
      setWeights: (weights) => {
        const source = 'bigru checkpoint';
        if (!weights[`${options.prefix}adam/iterations`]) {
          throw new IotIdsError('bigru: the checkpoint holds no optimizer state for the bigru stage', {
            location: { file: source },
          });
        }
        params.assign(weights, source, options.prefix);
        adam.restore(weights, source);
      },
    });
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
