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
import { balancedRowWeights } from '../class-weights.js';
import { lossAndAccuracy } from '../probability-metrics.js';
import { HeadParameters, HeadStep } from './softmax-head.js';

const ROWS = 11;
const INPUTS = 5;
const CLASSES = 3;

describe('softmax head', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it.each([[[]], [[6]], [[7, 4]]])(
    'matches the tape gradients of the weighted cross-entropy (hidden %j)',
    (hidden) => {
      const random = new Random(2);
      const head = HeadParameters.initial(INPUTS, hidden, CLASSES, random);
      const features = Float32Array.from({ length: ROWS * INPUTS }, () => random.normal());
      const labels = Int32Array.from({ length: ROWS }, (_, i) => i % CLASSES);
      const weights = Float32Array.from({ length: ROWS }, (_, i) => 0.5 + (i % 4));
      const before = liveTensorCount();
      const step = new HeadStep(head);
      const result = step.run(features, labels, weights, ROWS);
      expect(liveTensorCount()).toBe(before);

      const variables = head.layers.flatMap((l) => [
        ops.variable(ops.tensor2d(l.kernel, [l.inputs, l.units])),
        ops.variable(ops.tensor1d(l.bias)),
      ]);
      const { value, grads } = ops.variableGrads(() => {
        let a: Tensor = ops.tensor2d(features, [ROWS, INPUTS]);
        for (let k = 0; k < head.layers.length; k++) {
          a = ops.add(ops.matMul(a as Tensor2D, variables[2 * k] as Tensor2D), variables[2 * k + 1]);
          if (k < head.layers.length - 1) a = ops.relu(a);
        }
        const perRow = ops.neg(
          ops.sum(ops.mul(ops.oneHot(ops.tensor1d(labels, 'int32'), CLASSES), ops.logSoftmax(a)), 1),
        );
        return ops.div<Scalar>(ops.sum(ops.mul(perRow, ops.tensor1d(weights))), ROWS);
      }, variables);
      expect(result.lossSum / ROWS).toBeCloseTo(value.dataSync()[0], 5);
      step.gradients.forEach((g, k) => {
        const expected = grads[variables[k].name].dataSync();
        for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(expected[i], 5);
      });
      ops.dispose([value, ...Object.values(grads), ...variables]);
    },
  );

  it('predicts probabilities that sum to 1 and round-trips its weights', () => {
    const head = HeadParameters.initial(INPUTS, [4], CLASSES, new Random(3));
    const x = {
      rows: 4,
      cols: INPUTS,
      data: Float32Array.from({ length: 4 * INPUTS }, (_, i) => Math.sin(i)),
    };
    const p = head.predictProba(x);
    for (let i = 0; i < 4; i++)
      expect(p.data[i * 3] + p.data[i * 3 + 1] + p.data[i * 3 + 2]).toBeCloseTo(1, 5);
    const copy = HeadParameters.fromWeights(head.toWeights('head/'), 'head/', 'test');
    expect(copy.hiddenUnits).toEqual([4]);
    expect(Array.from(copy.predictProba(x).data)).toEqual(Array.from(p.data));
    expect(() => head.predictProba({ rows: 1, cols: 2, data: new Float32Array(2) })).toThrow(/2 features/);
  });

  it('weighs classes by n / (k · count) and scores loss and accuracy', () => {
    expect(Array.from(balancedRowWeights(Int32Array.from([0, 0, 0, 1]), 2))).toEqual(
      [2 / 3, 2 / 3, 2 / 3, 2].map(Math.fround),
    );
    const probabilities = { rows: 2, cols: 2, data: Float32Array.from([0.9, 0.1, 0.2, 0.8]) };
    const { loss, accuracy } = lossAndAccuracy(probabilities, Int32Array.from([0, 0]));
    expect(accuracy).toBe(0.5);
    expect(loss).toBeCloseTo((-Math.log(0.9) - Math.log(0.2)) / 2, 6);
  });
});
