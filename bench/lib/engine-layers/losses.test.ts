import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../../../src/util/random.js';
import { initEngine, tf } from '../../../src/engine/index.js';
import { softmaxCrossEntropy } from './losses.js';

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('softmaxCrossEntropy', () => {
  beforeAll(async () => {
    await initEngine();
  });

  const random = new Random(4);
  const rows = 17;
  const classes = 5;
  const logitsValues = Float32Array.from({ length: rows * classes }, () => 4 * random.normal());
  const labelValues = Int32Array.from({ length: rows }, () => random.int(classes));
  const weightValues = Float32Array.from({ length: rows }, () => random.next() * 3);

  it('matches tf.losses.softmaxCrossEntropy in value and gradient', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d(logitsValues, [rows, classes]);
      const labels = tf.oneHot(tf.tensor1d(labelValues, 'int32'), classes).toFloat();
      const ours = tf.valueAndGrad((l: tf.Tensor) => softmaxCrossEntropy(l, labels))(logits);
      const reference = tf.valueAndGrad((l: tf.Tensor) =>
        tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(labels, l),
      )(logits);
      expect(ours.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 5);
      expect(maxAbsDifference(ours.grad, reference.grad)).toBeLessThan(1e-6);
    });
  });

  it('weights rows (Keras sample-weight mean) and differentiates every input', () => {
    tf.tidy(() => {
      const logits = tf.tensor2d(logitsValues, [rows, classes]);
      const labels = tf.softmax(
        tf.tensor2d(
          logitsValues.map((v) => -v / 3),
          [rows, classes],
        ),
      );
      const weights = tf.tensor1d(weightValues);
      const reference = (l: tf.Tensor, y: tf.Tensor, w: tf.Tensor) =>
        tf.mean<tf.Scalar>(tf.mul(w, tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(l)), 1))));
      const ours = tf.grads((l: tf.Tensor, y: tf.Tensor, w: tf.Tensor) => softmaxCrossEntropy(l, y, w))([
        logits,
        labels,
        weights,
      ]);
      const expected = tf.grads(reference)([logits, labels, weights]);
      ours.forEach((gradient, i) => expect(maxAbsDifference(gradient, expected[i])).toBeLessThan(1e-5));
      expect(softmaxCrossEntropy(logits, labels, weights).dataSync()[0]).toBeCloseTo(
        reference(logits, labels, weights).dataSync()[0],
        5,
      );
    });
  });

  it('rejects mismatched shapes', () => {
    tf.tidy(() => {
      expect(() => softmaxCrossEntropy(tf.zeros([3, 2]), tf.zeros([3, 3]))).toThrow(/\[batch, classes\]/);
      expect(() => softmaxCrossEntropy(tf.zeros([3, 2]), tf.zeros([3, 2]), tf.ones([2]))).toThrow(/weights/);
    });
  });
});
