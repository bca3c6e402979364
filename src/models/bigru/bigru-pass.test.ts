import { beforeAll, describe, expect, it } from 'vitest';
import {
  initEngine,
  liveTensorCount,
  ops,
  type Scalar,
  type Tensor,
  type Tensor2D,
  type Variable,
} from '../../engine/index.js';
import { Random } from '../../util/random.js';
import { sigmoid, tanh } from './activations.js';
import { BiGruPass } from './bigru-pass.js';
import { BiGruParameters, orthogonalRows, type BiGruShape } from './parameters.js';

const N = 5;
const TOLERANCE = 2e-5;

interface Case {
  shape: BiGruShape;
  x: Float32Array;
  labels: Int32Array;
  weights: Float32Array;
  params: BiGruParameters;
}

/** Random parameters with non-zero biases, so every path (bias rows included) is exercised. */
function makeCase(resetAfter: boolean, seed: number): Case {
  const shape: BiGruShape = { timesteps: 4, featuresPerStep: 3, units: 5, classes: 3, resetAfter };
  const random = new Random(seed);
  const params = BiGruParameters.initial(shape, random);
  for (const [, values] of params.trainable()) {
    for (let i = 0; i < values.length; i++) values[i] += 0.3 * random.normal();
  }
  const x = Float32Array.from({ length: N * 12 }, () => random.normal());
  const labels = Int32Array.from({ length: N }, (_, i) => i % 3);
  const weights = Float32Array.from({ length: N }, () => 0.5 + random.next());
  return { shape, x, labels, weights, params };
}

/** The textbook GRU written step by step with engine ops, differentiated by the engine's tape. */
function referenceLoss(c: Case, vars: Record<string, Variable>, x: Tensor2D): Scalar {
  const { timesteps: steps, featuresPerStep: f, units: h, resetAfter } = c.shape;
  const sequence = ops.reshape(x, [N, steps, f]);
  const finals = (['forward', 'backward'] as const).map((name, d) => {
    const kernel = vars[`${name}/kernel`];
    const u = vars[`${name}/recurrentKernel`];
    const bias = vars[`${name}/bias`];
    const [uz, ur, un] = ops.split(u, 3, 1);
    const [bz, br, bn] = ops.split(bias, 3);
    const recurrentBias = resetAfter ? ops.split(vars[`${name}/recurrentBias`], 3) : null;
    let state: Tensor2D = ops.zeros([N, h]);
    for (let s = 0; s < steps; s++) {
      const t = d === 0 ? s : steps - 1 - s;
      const xt = ops.reshape(ops.slice(sequence, [0, t, 0], [N, 1, f]), [N, f]);
      const [wz, wr, wn] = ops.split(ops.matMul(xt, kernel), 3, 1);
      const withBias = (a: Tensor, b: Tensor, i: number): Tensor =>
        recurrentBias ? ops.add(a, ops.add(b, recurrentBias[i])) : ops.add(a, b);
      const z = ops.sigmoid(withBias(ops.add(wz, bz), ops.matMul(state, uz), 0));
      const r = ops.sigmoid(withBias(ops.add(wr, br), ops.matMul(state, ur), 1));
      const candidate = resetAfter
        ? ops.tanh(
            ops.add(ops.add(wn, bn), ops.mul(r, withBias(ops.zeros([N, h]), ops.matMul(state, un), 2))),
          )
        : ops.tanh(ops.add(ops.add(wn, bn), ops.matMul(ops.mul(r, state), un)));
      state = ops.add(ops.mul(z, state), ops.mul(ops.sub(1, z), candidate));
    }
    return state;
  });
  const logits = ops.add(ops.matMul(ops.concat(finals, 1), vars['output/kernel']), vars['output/bias']);
  const labels = ops.oneHot(ops.tensor1d(c.labels, 'int32'), c.shape.classes);
  const perRow = ops.neg(ops.sum(ops.mul(labels, ops.logSoftmax(logits)), 1));
  return ops.div(ops.sum(ops.mul(perRow, ops.tensor1d(c.weights))), N);
}

function maxRelativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]) / scale);
  return max;
}

beforeAll(async () => {
  await initEngine();
});

describe('activations', () => {
  it('match Math.tanh and the logistic function within 3e-7 over the whole line', () => {
    let worst = 0;
    for (let x = -30; x <= 30; x += 0.001) {
      worst = Math.max(
        worst,
        Math.abs(tanh(x) - Math.tanh(x)),
        Math.abs(sigmoid(x) - 1 / (1 + Math.exp(-x))),
      );
    }
    expect(worst).toBeLessThan(3e-7);
    expect(tanh(1e6)).toBeCloseTo(1, 6);
    expect(sigmoid(-1e6)).toBeCloseTo(0, 6);
  });
});

describe('orthogonalRows', () => {
  it('gives rows of unit length that are pairwise orthogonal', () => {
    const m = orthogonalRows(4, 12, new Random(3));
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        let dot = 0;
        for (let j = 0; j < 12; j++) dot += m[a * 12 + j] * m[b * 12 + j];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
  });
});

describe.each([true, false])('BiGruPass with resetAfter %s', (resetAfter) => {
  it('matches a step-by-step engine reference: probabilities, loss, every gradient and the input gradient', () => {
    const c = makeCase(resetAfter, resetAfter ? 7 : 8);
    const before = liveTensorCount();
    const pass = new BiGruPass(c.params, 8, true);
    // A full batch first, so the checked smaller one runs over buffers holding another layout's values.
    const other = makeCase(resetAfter, 99);
    pass.forward(
      Float32Array.from({ length: 8 * 12 }, (_, i) => other.x[i % other.x.length] + 1),
      8,
    );
    pass.backward(
      Int32Array.from({ length: 8 }, (_, i) => i % 3),
      null,
      8,
      new Float32Array(8 * 12),
    );
    const probabilities = Float32Array.from(pass.forward(c.x, N));
    const inputGradient = new Float32Array(N * 12);
    const { lossSum } = pass.backward(c.labels, c.weights, N, inputGradient);
    expect(liveTensorCount()).toBe(before);

    const vars: Record<string, Variable> = {};
    for (const [name, values] of Object.entries(c.params.toWeights())) {
      vars[name] = ops.variable(
        ops.tensor(values.data, [...values.shape]),
        true,
        `ref-${resetAfter}-${name}`,
      );
    }
    const x = ops.variable(ops.tensor2d(c.x, [N, 12]), true, `ref-${resetAfter}-x`);
    const { value, grads } = ops.variableGrads(() => referenceLoss(c, vars, x), [...Object.values(vars), x]);
    expect(lossSum / N).toBeCloseTo(value.dataSync()[0], 5);
    c.params.trainable().forEach(([name], i) => {
      const expected = grads[vars[name].name].dataSync();
      expect(maxRelativeDifference(pass.gradients[i], expected), name).toBeLessThan(TOLERANCE);
    });
    expect(maxRelativeDifference(inputGradient, grads[x.name].dataSync())).toBeLessThan(TOLERANCE);

    const predictor = new BiGruPass(c.params, 3, false);
    const scored = [...predictor.forward(c.x, 3), ...predictor.forward(c.x.subarray(36), 2)];
    expect(maxRelativeDifference(scored, probabilities)).toBeLessThan(1e-6);
    ops.dispose([value, x, ...Object.values(grads), ...Object.values(vars)]);
  });
});

describe('BiGruPass against ops.layers.bidirectional(ops.layers.gru)', () => {
  it('gives the same probabilities and gradients with the same weights (resetAfter false)', () => {
    const c = makeCase(false, 9);
    const { timesteps, featuresPerStep, units, classes } = c.shape;
    const model = ops.sequential({
      layers: [
        ops.layers.bidirectional({
          layer: ops.layers.gru({ units, recurrentActivation: 'sigmoid' }),
          mergeMode: 'concat',
          inputShape: [timesteps, featuresPerStep],
        }),
        ops.layers.dense({ units: classes, activation: 'softmax' }),
      ],
    });
    const weights = c.params.toWeights();
    const order = ['kernel', 'recurrentKernel', 'bias'];
    const names = [
      ...order.map((n) => `forward/${n}`),
      ...order.map((n) => `backward/${n}`),
      'output/kernel',
      'output/bias',
    ];
    model.setWeights(names.map((n) => ops.tensor(weights[n].data, [...weights[n].shape])));
    const pass = new BiGruPass(c.params, N, true);
    const probabilities = Float32Array.from(pass.forward(c.x, N));
    pass.backward(c.labels, c.weights, N);

    const x = ops.tensor3d(c.x, [N, timesteps, featuresPerStep]);
    const labels = ops.oneHot(ops.tensor1d(c.labels, 'int32'), classes);
    const layerVariables = model.trainableWeights.map((w) => w.read() as Variable);
    const { grads } = ops.variableGrads(() => {
      const p = model.apply(x, { training: true }) as Tensor2D;
      const perRow = ops.neg(ops.sum(ops.mul(labels, ops.log(p)), 1));
      return ops.div(ops.sum(ops.mul(perRow, ops.tensor1d(c.weights))), N);
    }, layerVariables);
    const expectedProbabilities = (model.predict(x) as Tensor).dataSync();
    expect(maxRelativeDifference(probabilities, expectedProbabilities)).toBeLessThan(TOLERANCE);
    names.forEach((name, i) => {
      const index = c.params.trainable().findIndex(([n]) => n === name);
      const expected = grads[layerVariables[i].name].dataSync();
      expect(maxRelativeDifference(pass.gradients[index], expected), name).toBeLessThan(TOLERANCE);
    });
    ops.dispose([x, labels, ...Object.values(grads)]);
    model.dispose();
  });
});
