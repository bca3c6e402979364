import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../engine/index.js';
import { Random } from '../../util/random.js';
import { BiGruPass } from './bigru-pass.js';
import { GruKernelPass, gruKernelSupports } from './gru-kernel.js';
import { BiGruParameters, type BiGruShape } from './parameters.js';

/**
 * The kernel against the TypeScript pass it replaces (BiGruPass, itself checked against the engine's tape in
 * bigru-pass.test.ts): probabilities, loss, correct count, every gradient and the input gradient agree
 * within 1e-5 of the largest value of each array. They are not bit for bit the same: the kernel computes
 * the gates in float32 (the TypeScript pass in float64) and sums the products in another order.
 */
const TOLERANCE = 1e-5;

function maxRelativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]) / scale);
  return max;
}

/** Random parameters with non-zero biases, so every path (biases included) is exercised. */
function randomParameters(shape: BiGruShape, random: Random): BiGruParameters {
  const params = BiGruParameters.initial(shape, random);
  for (const [, values] of params.trainable()) {
    for (let i = 0; i < values.length; i++) values[i] += 0.3 * random.normal();
  }
  return params;
}

beforeAll(async () => {
  await initEngine();
});

describe('gruKernelSupports', () => {
  it('takes reset-after networks with units a multiple of 4 only', () => {
    const shape = { timesteps: 2, featuresPerStep: 1, units: 8, classes: 2, resetAfter: true };
    expect(gruKernelSupports(shape)).toBe(true);
    expect(gruKernelSupports({ ...shape, units: 6 })).toBe(false);
    expect(gruKernelSupports({ ...shape, resetAfter: false })).toBe(false);
    expect(
      () => new GruKernelPass(BiGruParameters.initial({ ...shape, units: 6 }, new Random(1)), 4),
    ).toThrow(/units a multiple of 4/);
  });
});

describe.each([
  // Odd sizes reach every remainder path of the products: 3 features, 7 and 1 rows (row blocks of 4),
  // 12 units (36 gate columns: blocks of 8, then 4).
  { timesteps: 5, featuresPerStep: 3, units: 12, classes: 3, resetAfter: true },
  { timesteps: 4, featuresPerStep: 8, units: 8, classes: 4, resetAfter: true },
  { timesteps: 1, featuresPerStep: 5, units: 4, classes: 2, resetAfter: true },
])('GruKernelPass, $timesteps × $featuresPerStep steps, $units units', (shape) => {
  it('matches BiGruPass on a full batch then a remainder batch: probabilities, loss, gradients, input gradient', () => {
    const random = new Random(shape.units * 31 + shape.timesteps);
    const params = randomParameters(shape, random);
    const width = shape.timesteps * shape.featuresPerStep;
    const capacity = 9;
    const kernel = new GruKernelPass(params, capacity);
    const reference = new BiGruPass(params, capacity, true);
    for (const n of [capacity, 7, 1]) {
      const x = Float32Array.from({ length: n * width }, () => 1.5 * random.normal());
      const labels = Int32Array.from({ length: n }, () => random.int(shape.classes));
      const weights = n === 7 ? Float32Array.from({ length: n }, () => 0.5 + random.next()) : null;
      const expectedProbabilities = Float32Array.from(reference.forward(x, n));
      const expectedInput = new Float32Array(n * width);
      const expected = reference.backward(labels, weights, n, expectedInput);
      const probabilities = Float32Array.from(kernel.forward(x, n));
      const inputGradient = new Float32Array(n * width);
      const result = kernel.backward(labels, weights, n, inputGradient);

      expect(maxRelativeDifference(probabilities, expectedProbabilities)).toBeLessThan(TOLERANCE);
      expect(Math.abs(result.lossSum - expected.lossSum) / n).toBeLessThan(TOLERANCE);
      expect(result.correct).toBe(expected.correct);
      params.trainable().forEach(([name], i) => {
        expect(
          maxRelativeDifference(kernel.gradients[i], reference.gradients[i]),
          `${name} @${n}`,
        ).toBeLessThan(TOLERANCE);
      });
      expect(maxRelativeDifference(inputGradient, expectedInput)).toBeLessThan(TOLERANCE);
    }
  });
});

describe('GruKernelPass input checks', () => {
  it('rejects a batch over capacity and a backward pass over other rows than the forward', () => {
    const shape = { timesteps: 2, featuresPerStep: 2, units: 4, classes: 2, resetAfter: true };
    const pass = new GruKernelPass(BiGruParameters.initial(shape, new Random(2)), 3);
    expect(() => pass.forward(new Float32Array(16), 4)).toThrow(/1 ≤ n ≤ 3/);
    pass.forward(new Float32Array(12), 3);
    expect(() => pass.backward(new Int32Array(2), null, 2)).toThrow(/forward pass over 3/);
  });
});
