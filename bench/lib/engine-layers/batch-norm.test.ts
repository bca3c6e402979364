import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../../../src/util/random.js';
import { BatchNorm } from './batch-norm.js';
import {
  initEngine,
  liveTensorCount,
  ops,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
} from '../../../src/engine/index.js';

function randomTensor(random: Random, shape: number[], scale = 1, offset = 0): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return ops.tensor(
    Float32Array.from({ length: size }, () => offset + scale * random.normal()),
    shape,
  );
}

function maxAbsDifference(a: Tensor, b: Tensor): number {
  return ops.tidy(() => ops.max(ops.abs(ops.sub(a, b))).dataSync()[0]);
}

/** tfjs's own formulation, differentiated by the tape: the reference for the hand-written gradient. */
function referenceBatchNorm(x: Tensor2D, gamma: Tensor1D, beta: Tensor1D, epsilon: number, relu: boolean) {
  const { mean, variance } = ops.moments(x, 0);
  const y = ops.batchNorm2d(x, mean as Tensor1D, variance as Tensor1D, beta, gamma, epsilon);
  return relu ? ops.relu(y) : y;
}

describe('BatchNorm', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it.each(['linear', 'relu'] as const)('matches tfjs values and gradients (%s)', (activation) => {
    const random = new Random(activation === 'relu' ? 1 : 2);
    const layer = new BatchNorm(6, { activation, epsilon: 1e-3 });
    ops.tidy(() => {
      layer.gamma.assign(randomTensor(random, [6], 0.5, 1) as Tensor1D);
      layer.beta.assign(randomTensor(random, [6], 0.5) as Tensor1D);
      const x = randomTensor(random, [33, 6], 3, 2) as Tensor2D;
      const upstream = randomTensor(random, [33, 6]);
      const loss =
        (f: (x: Tensor2D, g: Tensor1D, b: Tensor1D) => Tensor) => (xv: Tensor, g: Tensor, b: Tensor) =>
          ops.sum(ops.mul(f(xv as Tensor2D, g as Tensor1D, b as Tensor1D), upstream));
      const ours = ops.grads(loss((xv) => layer.apply(xv, true)))([x, layer.gamma, layer.beta]);
      const reference = ops.grads(
        loss((xv, g, b) => referenceBatchNorm(xv, g, b, 1e-3, activation === 'relu')),
      )([x, layer.gamma, layer.beta]);
      // The custom gradient ignores its gamma/beta arguments' identity only if wired wrongly; compare all three.
      ours.forEach((gradient, i) => expect(maxAbsDifference(gradient, reference[i])).toBeLessThan(1e-4));
      const output = layer.apply(x, true);
      expect(
        maxAbsDifference(output, referenceBatchNorm(x, layer.gamma, layer.beta, 1e-3, activation === 'relu')),
      ).toBeLessThan(1e-5);
    });
    layer.dispose();
  });

  it('moves the moving statistics once per training call and uses them for inference', () => {
    const random = new Random(3);
    const layer = new BatchNorm(3, { momentum: 0.9 });
    ops.tidy(() => {
      const x = randomTensor(random, [50, 3], 2, 5) as Tensor2D;
      const { mean, variance } = ops.moments(x, 0);
      layer.apply(x, true);
      expect(maxAbsDifference(layer.movingMean, ops.mul(mean, 0.1))).toBeLessThan(1e-5);
      expect(maxAbsDifference(layer.movingVariance, ops.add(ops.mul(variance, 0.1), 0.9))).toBeLessThan(1e-5);
      // Under a gradient the statistics move once as well.
      ops.variableGrads(() => ops.sum(layer.apply(x, true)), layer.trainableVariables);
      expect(maxAbsDifference(layer.movingMean, ops.mul(mean, 0.19))).toBeLessThan(1e-5);
      const inference = layer.apply(x, false);
      const expected = ops.batchNorm2d(
        x,
        layer.movingMean,
        layer.movingVariance,
        layer.beta,
        layer.gamma,
        1e-3,
      );
      expect(maxAbsDifference(inference, expected)).toBe(0);
    });
    layer.dispose();
  });

  it('exposes its variables, leaks nothing and rejects wrong shapes', () => {
    const before = liveTensorCount();
    const layer = new BatchNorm(4, { activation: 'relu' });
    expect(layer.trainableVariables).toEqual([layer.gamma, layer.beta]);
    expect(layer.variables.map((v) => v.trainable)).toEqual([true, true, false, false]);
    ops.tidy(() => {
      ops.variableGrads(() => ops.sum(layer.apply(ops.ones([8, 4]), true)), layer.trainableVariables);
    });
    expect(() => layer.apply(ops.ones([8, 5]), true)).toThrow(/\[batch, 4\]/);
    layer.dispose();
    expect(liveTensorCount()).toBe(before + 1); // the rejected input above, still the caller's
  });
});
