import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../util/random.js';
import { VariableAdam as Adam } from './variable-adam.js';
import { initEngine, liveTensorCount, tf } from '../engine/index.js';

describe('VariableAdam', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('follows tf.train.adam step for step', () => {
    const random = new Random(8);
    const initial = [
      Float32Array.from({ length: 12 }, () => random.normal()),
      Float32Array.from({ length: 3 }, () => random.normal()),
    ];
    const makeVariables = () => [
      tf.variable(tf.tensor2d(initial[0], [4, 3])),
      tf.variable(tf.tensor1d(initial[1])),
    ];
    const ours = makeVariables();
    const theirs = makeVariables();
    const adam = new Adam(ours, { learningRate: 0.05 });
    const reference = tf.train.adam(0.05);
    const x = tf.tensor2d(
      Float32Array.from({ length: 20 }, () => random.normal()),
      [5, 4],
    );
    const loss =
      ([w, b]: tf.Variable[]) =>
      () =>
        tf.sum<tf.Scalar>(tf.square(tf.add(tf.matMul(x, w), b)));
    for (let step = 0; step < 6; step++) {
      tf.tidy(() => adam.applyGradients(tf.variableGrads(loss(ours), ours).grads));
      tf.tidy(() => {
        const { grads } = tf.variableGrads(loss(theirs), theirs);
        reference.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      });
    }
    expect(adam.iterations).toBe(6);
    ours.forEach((variable, i) => {
      const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(variable, theirs[i]))).dataSync()[0]);
      expect(difference).toBeLessThan(1e-5);
      expect(Array.from(variable.dataSync())).not.toEqual(Array.from(initial[i]));
    });
    tf.dispose([...ours, ...theirs, x]);
    reference.dispose();
  });

  it('skips variables without a gradient, rejects misfits and leaks nothing', () => {
    const trained = tf.variable(tf.zeros([2]));
    const frozen = tf.variable(tf.ones([2]));
    const adam = new Adam([trained, frozen]);
    const before = liveTensorCount();
    const gradient = tf.tensor1d([1, -1]);
    adam.applyGradients({ [trained.name]: gradient });
    expect(liveTensorCount()).toBe(before + 1);
    expect(Array.from(trained.dataSync()).map((v) => Math.sign(v))).toEqual([-1, 1]);
    expect(Array.from(frozen.dataSync())).toEqual([1, 1]);
    expect(() => adam.applyGradients({ [trained.name]: tf.zeros([3]) })).toThrow(/does not fit/);
    tf.dispose([trained, frozen, gradient]);
  });
});
