/**
 * Softmax cross-entropy with a hand-written gradient: `tf.losses.softmaxCrossEntropy` runs ~40 kernels
 * forward and back (label smoothing, weight broadcasting, reductions); this runs 12. The gradient with
 * respect to the logits is the textbook (softmax − labels) · weight / batch.
 */
import { tf } from '../../../src/engine/index.js';

import { IotIdsError } from '../../../src/errors.js';
import { customGradient } from './custom-grad.js';

const meanCrossEntropy = customGradient(
  (logits: tf.Tensor2D, labels: tf.Tensor2D, weights: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const rows = logits.shape[0];
    const logProbabilities = tf.logSoftmax(logits);
    const perRow = tf.neg(tf.sum(tf.mul(labels, logProbabilities), 1, true));
    const value: tf.Scalar = tf.div(tf.sum(tf.mul(perRow, weights)), rows);
    save([logProbabilities, labels, weights, perRow]);
    return {
      value,
      gradFunc: (dy: tf.Scalar, [logProbs, labelsSaved, weightsSaved, perRowSaved]: tf.Tensor[]) => {
        const scale = tf.mul(weightsSaved, tf.div(dy, rows));
        return [
          tf.mul(tf.sub(tf.exp(logProbs), labelsSaved), scale),
          tf.mul(tf.neg(logProbs), scale),
          tf.mul(perRowSaved, tf.div(dy, rows)),
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
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2 || !tf.util.arraysEqual(logits.shape, labels.shape)) {
    throw new IotIdsError(
      `softmaxCrossEntropy: logits [${logits.shape.join(', ')}] and labels [${labels.shape.join(', ')}] must both be [batch, classes]`,
    );
  }
  const rows = logits.shape[0];
  if (weights !== undefined && (weights.rank !== 1 || weights.shape[0] !== rows)) {
    throw new IotIdsError(`softmaxCrossEntropy: weights [${weights.shape.join(', ')}] must be [${rows}]`);
  }
  return tf.tidy(() => {
    const columnWeights: tf.Tensor =
      weights === undefined ? tf.ones([rows, 1]) : tf.reshape(weights, [rows, 1]);
    return meanCrossEntropy(logits as tf.Tensor2D, labels as tf.Tensor2D, columnWeights as tf.Tensor2D);
  });
}
