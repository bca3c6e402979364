/**
 * Softmax cross-entropy with a hand-written gradient: `tf.losses.softmaxCrossEntropy` runs ~40 kernels
 * forward and back (label smoothing, weight broadcasting, reductions); this runs 12. The gradient with
 * respect to the logits is the textbook (softmax − labels) · weight / batch.
 */
import {
  ops,
  type GradSaveFunc,
  type Scalar,
  type Tensor,
  type Tensor2D,
} from '../../../src/engine/index.js';

import { IotIdsError } from '../../../src/errors.js';
import { customGradient } from './custom-grad.js';

const meanCrossEntropy = customGradient(
  (logits: Tensor2D, labels: Tensor2D, weights: Tensor2D, save: GradSaveFunc) => {
    const rows = logits.shape[0];
    const logProbabilities = ops.logSoftmax(logits);
    const perRow = ops.neg(ops.sum(ops.mul(labels, logProbabilities), 1, true));
    const value: Scalar = ops.div(ops.sum(ops.mul(perRow, weights)), rows);
    save([logProbabilities, labels, weights, perRow]);
    return {
      value,
      gradFunc: (dy: Scalar, [logProbs, labelsSaved, weightsSaved, perRowSaved]: Tensor[]) => {
        const scale = ops.mul(weightsSaved, ops.div(dy, rows));
        return [
          ops.mul(ops.sub(ops.exp(logProbs), labelsSaved), scale),
          ops.mul(ops.neg(logProbs), scale),
          ops.mul(perRowSaved, ops.div(dy, rows)),
        ];
      },
    };
  },
);

/**
 * Mean over rows of `weight × −Σ labels · log softmax(logits)` (Keras `sample_weight` semantics: the
 * weighted sum divided by the number of rows). `labels` are one-hot or probability rows `[batch, classes]`;
 * `weights` are per row `[batch]`, default all 1.
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, weights?: Tensor): Scalar {
  if (logits.rank !== 2 || !ops.arraysEqual(logits.shape, labels.shape)) {
    throw new IotIdsError(
      `softmaxCrossEntropy: logits [${logits.shape.join(', ')}] and labels [${labels.shape.join(', ')}] must both be [batch, classes]`,
    );
  }
  const rows = logits.shape[0];
  if (weights !== undefined && (weights.rank !== 1 || weights.shape[0] !== rows)) {
    throw new IotIdsError(`softmaxCrossEntropy: weights [${weights.shape.join(', ')}] must be [${rows}]`);
  }
  return ops.tidy(() => {
    const columnWeights: Tensor =
      weights === undefined ? ops.ones([rows, 1]) : ops.reshape(weights, [rows, 1]);
    return meanCrossEntropy(logits as Tensor2D, labels as Tensor2D, columnWeights as Tensor2D);
  });
}
