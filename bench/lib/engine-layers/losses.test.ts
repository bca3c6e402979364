import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../../../src/util/random.js';
import { initEngine, ops, type Scalar, type Tensor } from '../../../src/engine/index.js';
import { softmaxCrossEntropy } from './losses.js';

function maxAbsDifference(a: Tensor, b: Tensor): number {
  return ops.tidy(() => ops.max(ops.abs(ops.sub(a, b))).dataSync()[0]);
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

  it('matches ops.softmaxCrossEntropyLoss in value and gradient', () => {
    ops.tidy(() => {
      const logits = ops.tensor2d(logitsValues, [rows, classes]);
      const labels = ops.oneHot(ops.tensor1d(labelValues, 'int32'), classes).toFloat();
      const ours = ops.valueAndGrad((l: Tensor) => softmaxCrossEntropy(l, labels))(logits);
      const reference = ops.valueAndGrad((l: Tensor) =>
        ops.softmaxCrossEntropyLoss<Tensor, Scalar>(labels, l),
      )(logits);
      expect(ours.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 5);
      expect(maxAbsDifference(ours.grad, reference.grad)).toBeLessThan(1e-6);
    });
  });

  it('weights rows (Keras sample-weight mean) and differentiates every input', () => {
    ops.tidy(() => {
      const logits = ops.tensor2d(logitsValues, [rows, classes]);
      const labels = ops.softmax(
        ops.tensor2d(
          logitsValues.map((v) => -v / 3),
          [rows, classes],
        ),
      );
      const weights = ops.tensor1d(weightValues);
      const reference = (l: Tensor, y: Tensor, w: Tensor) =>
        ops.mean<Scalar>(ops.mul(w, ops.neg(ops.sum(ops.mul(y, ops.logSoftmax(l)), 1))));
      const ours = ops.grads((l: Tensor, y: Tensor, w: Tensor) => softmaxCrossEntropy(l, y, w))([
        logits,
        labels,
        weights,
      ]);
      const expected = ops.grads(reference)([logits, labels, weights]);
      ours.forEach((gradient, i) => expect(maxAbsDifference(gradient, expected[i])).toBeLessThan(1e-5));
      expect(softmaxCrossEntropy(logits, labels, weights).dataSync()[0]).toBeCloseTo(
        reference(logits, labels, weights).dataSync()[0],
        5,
      );
    });
  });

  it('rejects mismatched shapes', () => {
    ops.tidy(() => {
      expect(() => softmaxCrossEntropy(ops.zeros([3, 2]), ops.zeros([3, 3]))).toThrow(/\[batch, classes\]/);
      expect(() => softmaxCrossEntropy(ops.zeros([3, 2]), ops.zeros([3, 2]), ops.ones([2]))).toThrow(
        /weights/,
      );
    });
  });
});
