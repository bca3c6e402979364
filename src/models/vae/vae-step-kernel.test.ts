import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../engine/index.js';
import { Random } from '../../util/random.js';
import { VaeParameters } from './vae-parameters.js';
import { fillStandardNormal, VaeStep, type VaeLossSettings } from './vae-step.js';
import { VaeStepKernel } from './vae-step-kernel.js';

/** Rows like min-max + one-hot features: `dense` of the columns continuous in [0, 1], the rest mostly 0. */
function rows(count: number, features: number, dense: number, random: Random): Float32Array {
  return Float32Array.from({ length: count * features }, (_, i) =>
    i % features < dense ? random.next() : random.next() < 0.1 ? 1 : 0,
  );
}

/** |a − b| over the largest |b| of the array (at least 1e-3): the error relative to the gradient's scale. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 1e-3;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

const CASES = [
  // Widths that are not multiples of 4 exercise the padding; KDD's shape (122 features, ≈ 12 % non-zero).
  { features: 13, dense: 4, encoder: [7, 5], latent: 3, batch: 29, remainder: 10 },
  { features: 122, dense: 6, encoder: [64, 32], latent: 16, batch: 64, remainder: 23 },
  { features: 9, dense: 9, encoder: [6], latent: 2, batch: 8, remainder: 3 },
  // Batches of more than 256 rows run in blocks whose gradients are summed.
  { features: 13, dense: 4, encoder: [7, 5], latent: 3, batch: 300, remainder: 261 },
  // More than 32 vectors a row: the loss logs its products of σ's in several runs.
  { features: 150, dense: 10, encoder: [16], latent: 4, batch: 12, remainder: 5 },
];

describe('VaeStepKernel', () => {
  beforeAll(async () => {
    await initEngine();
  });

  for (const c of CASES) {
    for (const settings of [
      { reconstruction: 'bce', beta: 1 },
      { reconstruction: 'mse', beta: 2.5 },
    ] as VaeLossSettings[]) {
      it(`matches the engine step: ${c.features}-${c.encoder.join('-')}-${c.latent}, ${settings.reconstruction}, a full and a remainder batch`, () => {
        const random = new Random(11);
        const params = VaeParameters.initial(c.features, c.encoder, c.latent, random);
        params.logVar.bias.fill(-0.4);
        const reference = new VaeStep(params, settings);
        const kernel = new VaeStepKernel(params, settings, c.batch);
        for (const n of [c.batch, c.remainder]) {
          const x = rows(n, c.features, c.dense, random);
          const noise = new Float32Array(n * c.latent);
          fillStandardNormal(noise, noise.length, random);
          for (let i = 0; i < n; i++) {
            kernel.rows.set(x.subarray(i * c.features, (i + 1) * c.features), i * kernel.rowPitch);
          }
          kernel.noise.set(noise);
          const got = kernel.run(n);
          const expected = reference.run(x, n, noise);
          expect(got.klSum).toBeCloseTo(expected.klSum, 3);
          expect(Math.abs(got.reconstructionSum - expected.reconstructionSum)).toBeLessThan(
            1e-5 * Math.abs(expected.reconstructionSum),
          );
          params.trainable().forEach(([name], k) => {
            expect(relativeError(kernel.gradients[k], reference.gradients[k]), name).toBeLessThan(1e-5);
          });
          // The gradients are not all zero (a kernel that wrote nothing would fail here too).
          expect(kernel.gradients.some((g) => g.some((v) => v !== 0))).toBe(true);
        }
      });
    }
  }

  it('gathers batches from the rows it holds as lists: the same step as from dense rows', () => {
    const random = new Random(4);
    const features = 122;
    const params = VaeParameters.initial(features, [64, 32], 16, random);
    const settings = { reconstruction: 'bce', beta: 1 } as const;
    const matrix = { rows: 50, cols: features, data: rows(50, features, 6, random) };
    const held = new VaeStepKernel(params, settings, 16);
    const dense = new VaeStepKernel(params, settings, 16);
    expect(held.holdRows(matrix)).toBe(true);
    const order = random.shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    for (const [start, n] of [
      [0, 16],
      [40, 10],
    ]) {
      held.gatherRows(order, start, n);
      for (let i = 0; i < n; i++) {
        const from = order[start + i] * features;
        dense.rows.set(matrix.data.subarray(from, from + features), i * dense.rowPitch);
      }
      fillStandardNormal(held.noise, n * 16, new Random(start));
      dense.noise.set(held.noise);
      const a = held.run(n);
      const b = dense.run(n);
      expect(a).toEqual(b);
      held.gradients.forEach((g, k) => expect(Array.from(g)).toEqual(Array.from(dense.gradients[k])));
    }
    expect(() => held.gatherRows(Int32Array.of(50), 0, 1)).toThrow(/row 50 of 50/);
  });

  it('holds no lists for mostly non-zero rows', () => {
    const params = VaeParameters.initial(4, [3], 2, new Random(1));
    const kernel = new VaeStepKernel(params, { reconstruction: 'bce', beta: 1 }, 4);
    expect(kernel.holdRows({ rows: 3, cols: 4, data: new Float32Array(12).fill(0.5) })).toBe(false);
    expect(() => kernel.gatherRows(Int32Array.of(0), 0, 1)).toThrow(/holdRows first/);
  });

  it('rejects a batch larger than its buffers', () => {
    const params = VaeParameters.initial(5, [4], 2, new Random(1));
    const kernel = new VaeStepKernel(params, { reconstruction: 'bce', beta: 1 }, 4);
    expect(() => kernel.run(5)).toThrow(/at most 4/);
  });
});
