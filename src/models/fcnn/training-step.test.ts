import { beforeAll, describe, expect, it } from 'vitest';
import {
  initEngine,
  liveTensorCount,
  ops,
  type Scalar,
  type Tensor,
  type Tensor2D,
} from '../../engine/index.js';
import { Random } from '../../util/random.js';
import { FcnnParameters } from './parameters.js';
import { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM, TrainingStep } from './training-step.js';

const ROWS = 24;
const INPUTS = 7;
const CLASSES = 3;

function batch(seed: number): { x: Float32Array; labels: Int32Array; weights: Float32Array } {
  const random = new Random(seed);
  return {
    x: Float32Array.from({ length: ROWS * INPUTS }, () => random.normal()),
    labels: Int32Array.from({ length: ROWS }, (_, i) => i % CLASSES),
    weights: Float32Array.from({ length: ROWS }, () => 0.5 + random.next()),
  };
}

/**
 * The same network and loss through tfjs autodiff (tf.moments, relu, logSoftmax), without dropout; with
 * `focalGamma`, each row's loss is the focal −(1 − p)^γ · log p.
 */
function referenceGradients(
  params: FcnnParameters,
  x: Float32Array,
  labels: Int32Array,
  weights: Float32Array,
  focalGamma = 0,
) {
  return ops.tidy(() => {
    const names = params.trainable().map(([name]) => name);
    const shapes = params.toWeights();
    const tensors = params
      .trainable()
      .map(([name, values]) => ops.tensor(values, shapes[name].shape as number[]));
    const loss = (...p: Tensor[]): Scalar => {
      let h: Tensor = ops.tensor2d(x, [ROWS, INPUTS]);
      params.hidden.forEach((_, b) => {
        const z = ops.matMul(h, p[3 * b]);
        const { mean, variance } = ops.moments(z, 0);
        const normalised = ops.div(ops.sub(z, mean), ops.sqrt(ops.add(variance, BATCH_NORM_EPSILON)));
        h = ops.relu(ops.add(ops.mul(normalised, p[3 * b + 1]), p[3 * b + 2]));
      });
      const logits = ops.add(ops.matMul(h as Tensor2D, p[p.length - 2] as Tensor2D), p[p.length - 1]);
      const oneHot = ops.oneHot(ops.tensor1d(labels, 'int32'), CLASSES);
      const logP = ops.sum(ops.mul(oneHot, ops.logSoftmax(logits)), 1);
      // (1 − p)^γ as exp(γ · log(1 − p)): the engine has no pow.
      const perRow = ops.neg(
        focalGamma === 0
          ? logP
          : ops.mul(ops.exp(ops.mul(ops.log(ops.sub(1, ops.exp(logP))), focalGamma)), logP),
      );
      return ops.div(ops.sum(ops.mul(perRow, ops.tensor1d(weights))), ROWS);
    };
    const { value, grads } = ops.valueAndGrads(loss)(tensors);
    return {
      loss: value.dataSync()[0],
      gradients: Object.fromEntries(names.map((name, k) => [name, Float32Array.from(grads[k].dataSync())])),
    };
  });
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  const scale = Math.max(1e-3, ...Array.from(expected, Math.abs));
  return Math.max(...Array.from(actual, (a, i) => Math.abs(a - expected[i]) / scale));
}

describe('TrainingStep', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('matches tfjs autodiff: loss and every gradient, with row weights and two blocks', () => {
    const params = FcnnParameters.initial(INPUTS, [6, 5], CLASSES, new Random(3));
    // Move γ and β off the identity so their gradients are exercised in general position.
    params.hidden.forEach((b) => {
      b.gamma.forEach((_, j) => (b.gamma[j] = 0.5 + 0.2 * j));
      b.beta.forEach((_, j) => (b.beta[j] = 0.1 * (j - 2)));
    });
    const { x, labels, weights } = batch(5);
    const expected = referenceGradients(params, x, labels, weights);
    const step = new TrainingStep(params, 0);
    const result = step.run(x, labels, weights, ROWS, new Random(1));
    expect(result.lossSum / ROWS).toBeCloseTo(expected.loss, 5);
    params.trainable().forEach(([name], k) => {
      expect({ name, error: maxRelativeError(step.gradients[k], expected.gradients[name]) }).toEqual({
        name,
        error: expect.closeTo(0, 4) as number,
      });
    });
  });

  it('matches tfjs autodiff with the focal loss (γ = 2 and γ = 0.5), with row weights', () => {
    for (const gamma of [2, 0.5]) {
      const params = FcnnParameters.initial(INPUTS, [6, 5], CLASSES, new Random(3));
      const { x, labels, weights } = batch(9);
      const expected = referenceGradients(params, x, labels, weights, gamma);
      const step = new TrainingStep(params, 0, gamma);
      const result = step.run(x, labels, weights, ROWS, new Random(1));
      expect(result.lossSum / ROWS).toBeCloseTo(expected.loss, 5);
      params.trainable().forEach(([name], k) => {
        expect({ gamma, name, error: maxRelativeError(step.gradients[k], expected.gradients[name]) }).toEqual(
          {
            gamma,
            name,
            error: expect.closeTo(0, 4) as number,
          },
        );
      });
    }
  });

  it('refuses a focal exponent that is negative or not finite', () => {
    const params = FcnnParameters.initial(INPUTS, [4], CLASSES, new Random(3));
    expect(() => new TrainingStep(params, 0, -1)).toThrow(/focalGamma must be a finite number ≥ 0, got -1/);
    expect(() => new TrainingStep(params, 0, Number.NaN)).toThrow(/focalGamma/);
  });

  it('moves the moving statistics towards the batch mean and biased variance', () => {
    const params = FcnnParameters.initial(INPUTS, [4], CLASSES, new Random(3));
    const { x, labels } = batch(6);
    new TrainingStep(params, 0).run(x, labels, null, ROWS, new Random(1));
    const z = ops.tidy(() =>
      ops.moments(
        ops.matMul(ops.tensor2d(x, [ROWS, INPUTS]), ops.tensor2d(params.hidden[0].kernel, [INPUTS, 4])),
        0,
      ),
    );
    const mean = z.mean.dataSync();
    const variance = z.variance.dataSync();
    ops.dispose([z.mean, z.variance]);
    for (let j = 0; j < 4; j++) {
      expect(params.hidden[0].movingMean[j]).toBeCloseTo((1 - BATCH_NORM_MOMENTUM) * mean[j], 5);
      expect(params.hidden[0].movingVariance[j]).toBeCloseTo(
        BATCH_NORM_MOMENTUM + (1 - BATCH_NORM_MOMENTUM) * variance[j],
        5,
      );
    }
  });

  it('with dropout, agrees with finite differences of its own loss under the same mask', () => {
    const params = FcnnParameters.initial(INPUTS, [8], CLASSES, new Random(4));
    const { x, labels, weights } = batch(7);
    const step = new TrainingStep(params, 0.5);
    const lossAt = () => step.run(x, labels, weights, ROWS, new Random(99)).lossSum / ROWS;
    lossAt();
    const gradients = step.gradients.map((g) => g.slice());
    // Small enough that no ReLU of the 24 rows changes side (1e-2 crossed one), large enough for float32.
    const h = 3e-3;
    params.trainable().forEach(([name, values], k) => {
      for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
        const original = values[i];
        values[i] = original + h;
        const up = lossAt();
        values[i] = original - h;
        const down = lossAt();
        values[i] = original;
        expect({ name, i, gradient: gradients[k][i] }).toEqual({
          name,
          i,
          gradient: expect.closeTo((up - down) / (2 * h), 3) as number,
        });
      }
    });
  });

  it('draws a different dropout mask per call and none without dropout; releases every tensor', () => {
    const baseline = liveTensorCount();
    const { x, labels } = batch(8);
    const withDropout = new TrainingStep(FcnnParameters.initial(INPUTS, [16], CLASSES, new Random(4)), 0.5);
    const random = new Random(2);
    const first = withDropout.run(x, labels, null, ROWS, random).lossSum;
    expect(withDropout.run(x, labels, null, ROWS, random).lossSum).not.toBe(first);
    const plain = new TrainingStep(FcnnParameters.initial(INPUTS, [16], CLASSES, new Random(4)), 0);
    const once = plain.run(x, labels, null, ROWS, new Random(2)).lossSum;
    expect(plain.run(x, labels, null, ROWS, new Random(3)).lossSum).toBe(once);
    expect(liveTensorCount()).toBe(baseline);
  });
});
