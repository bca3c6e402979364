import { beforeAll, describe, expect, it } from 'vitest';

import { Random } from '../util/random.js';
import { VariableAdam as Adam } from './variable-adam.js';
import { initEngine, liveTensorCount, ops, type Scalar, type Variable } from '../engine/index.js';

describe('VariableAdam', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('follows ops.trainAdam step for step', () => {
    const random = new Random(8);
    const initial = [
      Float32Array.from({ length: 12 }, () => random.normal()),
      Float32Array.from({ length: 3 }, () => random.normal()),
    ];
    const makeVariables = () => [
      ops.variable(ops.tensor2d(initial[0], [4, 3])),
      ops.variable(ops.tensor1d(initial[1])),
    ];
    const ours = makeVariables();
    const theirs = makeVariables();
    const adam = new Adam(ours, { learningRate: 0.05 });
    const reference = ops.trainAdam(0.05);
    const x = ops.tensor2d(
      Float32Array.from({ length: 20 }, () => random.normal()),
      [5, 4],
    );
    const loss =
      ([w, b]: Variable[]) =>
      () =>
        ops.sum<Scalar>(ops.square(ops.add(ops.matMul(x, w), b)));
    for (let step = 0; step < 6; step++) {
      ops.tidy(() => adam.applyGradients(ops.variableGrads(loss(ours), ours).grads));
      ops.tidy(() => {
        const { grads } = ops.variableGrads(loss(theirs), theirs);
        reference.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      });
    }
    expect(adam.iterations).toBe(6);
    ours.forEach((variable, i) => {
      const difference = ops.tidy(() => ops.max(ops.abs(ops.sub(variable, theirs[i]))).dataSync()[0]);
      expect(difference).toBeLessThan(1e-5);
      expect(Array.from(variable.dataSync())).not.toEqual(Array.from(initial[i]));
    });
    ops.dispose([...ours, ...theirs, x]);
    reference.dispose();
  });

  it('skips variables without a gradient, rejects misfits and leaks nothing', () => {
    const trained = ops.variable(ops.zeros([2]));
    const frozen = ops.variable(ops.ones([2]));
    const adam = new Adam([trained, frozen]);
    const before = liveTensorCount();
    const gradient = ops.tensor1d([1, -1]);
    adam.applyGradients({ [trained.name]: gradient });
    expect(liveTensorCount()).toBe(before + 1);
    expect(Array.from(trained.dataSync()).map((v) => Math.sign(v))).toEqual([-1, 1]);
    expect(Array.from(frozen.dataSync())).toEqual([1, 1]);
    expect(() => adam.applyGradients({ [trained.name]: ops.zeros([3]) })).toThrow(/does not fit/);
    ops.dispose([trained, frozen, gradient]);
  });
});
