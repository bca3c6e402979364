import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../engine/index.js';
import { Adam, type AdamOptions } from '../../fit/adam.js';
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
  // Batches of more than 64 rows run in blocks whose gradients are summed.
  { features: 13, dense: 4, encoder: [7, 5], latent: 3, batch: 300, remainder: 261 },
  // More than 32 vectors a row: the loss logs its products of σ's in several runs.
  { features: 150, dense: 10, encoder: [16], latent: 4, batch: 12, remainder: 5 },
  // A single row; blocks of fewer rows than 64, the last one shorter.
  { features: 122, dense: 6, encoder: [64, 32], latent: 16, batch: 1, remainder: 1 },
  { features: 122, dense: 6, encoder: [64, 32], latent: 16, batch: 29, remainder: 13, block: 5 },
  // Outputs of 4–28 columns after the chunks of 32 (45 → pitch 48: 16 left; 7 → 8; 250 → 252: 28 left).
  { features: 45, dense: 5, encoder: [250, 7], latent: 5, batch: 9, remainder: 4 },
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
        const kernel = new VaeStepKernel(params, settings, c.batch, c.block);
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
    // A row with no non-zero value (an empty list) among them.
    matrix.data.fill(0, 3 * features, 4 * features);
    const held = new VaeStepKernel(params, settings, 16);
    const dense = new VaeStepKernel(params, settings, 16);
    expect(held.holdRows(matrix)).toBe(true);
    const order = random.shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    for (const [start, n] of [
      [0, 16],
      [40, 10],
      [17, 1],
      [20, 13],
      // Ten rows from the empty one on.
      [Math.min(order.indexOf(3), 40), 10],
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

  for (const [label, options] of [
    ['the VAE’s Adam (folded bias correction, no decay)', {}],
    ['explicit bias correction and coupled decay', { biasCorrection: 'explicit', decay: [1e-3, 0, 2e-3] }],
  ] as [string, AdamOptions][]) {
    it(`runs Adam in its memory bit for bit as Adam.apply: ${label}`, () => {
      // Two copies of the same network and optimiser: one stepped by run + Adam.apply in JS, one with the
      // weights and moments resident in the kernel (load, trainStep, applyAdam, store), rows held as lists.
      const features = 13;
      const settings = { reconstruction: 'mse', beta: 1.5 } as const;
      const make = () => {
        const params = VaeParameters.initial(features, [7, 5], 3, new Random(8));
        const decay = params.trainable().map((_, k) => options.decay?.[k % 3] ?? 0);
        // μ and log σ² share a layout in the kernel: give them the same decay.
        const head = 2 * 2;
        [decay[head + 2], decay[head + 3]] = [decay[head], decay[head + 1]];
        const adam = new Adam(params.trainable(), { ...options, decay, learningRate: 0.01 });
        return { params, adam, kernel: new VaeStepKernel(params, settings, 20, 8) };
      };
      const js = make();
      const wasm = make();
      const random = new Random(3);
      const matrix = { rows: 50, cols: features, data: rows(50, features, 4, random) };
      expect(wasm.kernel.holdRows(matrix)).toBe(true);
      const order = random.shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
      wasm.kernel.load(wasm.adam);
      for (let step = 0; step < 7; step++) {
        const start = (step * 20) % 40;
        const n = step === 3 ? 10 : 20;
        if (step === 4) {
          // A store and load between steps (an epoch's end) and a new learning rate change nothing.
          wasm.kernel.store();
          wasm.kernel.load(wasm.adam);
          js.adam.learningRate = wasm.adam.learningRate = 0.004;
        }
        wasm.kernel.gatherRows(order, start, n);
        for (let i = 0; i < n; i++) {
          const from = order[start + i] * features;
          js.kernel.rows.set(matrix.data.subarray(from, from + features), i * js.kernel.rowPitch);
        }
        fillStandardNormal(wasm.kernel.noise, n * 3, new Random(step));
        js.kernel.noise.set(wasm.kernel.noise);
        expect(wasm.kernel.trainStep(n)).toEqual(js.kernel.run(n));
        wasm.kernel.applyAdam();
        js.adam.apply(js.kernel.gradients);
      }
      wasm.kernel.store();
      expect(wasm.adam.iterations).toBe(7);
      expect(wasm.adam.state()).toEqual(js.adam.state());
      const moved = js.params
        .trainable()
        .some(([, v], k) => v.some((x, i) => x !== make().params.trainable()[k][1][i]));
      expect(moved).toBe(true);
      js.params.trainable().forEach(([name, values], k) => {
        expect(Array.from(wasm.params.trainable()[k][1]), name).toEqual(Array.from(values));
      });
    });
  }

  it('gives the same gradients, bit for bit, whatever the block of rows', () => {
    // The weight and bias gradients of later blocks continue the earlier blocks' sums in row order.
    const random = new Random(6);
    const params = VaeParameters.initial(122, [64, 32], 16, random);
    const settings = { reconstruction: 'bce', beta: 1 } as const;
    const n = 301;
    const kernels = [32, 1, 5, 64, 256, 301].map((block) => new VaeStepKernel(params, settings, n, block));
    const x = rows(n, 122, 6, random);
    fillStandardNormal(kernels[0].noise, n * 16, random);
    const losses = kernels.map((k) => {
      for (let i = 0; i < n; i++) k.rows.set(x.subarray(i * 122, (i + 1) * 122), i * k.rowPitch);
      k.noise.set(kernels[0].noise);
      return k.run(n);
    });
    for (const k of kernels.slice(1)) {
      k.gradients.forEach((g, j) => expect(Array.from(g)).toEqual(Array.from(kernels[0].gradients[j])));
    }
    // The loss sums are added block by block: equal to float rounding.
    for (const loss of losses.slice(1)) {
      expect(loss.reconstructionSum).toBeCloseTo(losses[0].reconstructionSum, 2);
      expect(loss.klSum).toBeCloseTo(losses[0].klSum, 2);
    }
  });

  it('needs load before a resident step', () => {
    const params = VaeParameters.initial(5, [4], 2, new Random(1));
    const kernel = new VaeStepKernel(params, { reconstruction: 'bce', beta: 1 }, 4);
    expect(() => kernel.trainStep(2)).toThrow(/load first/);
    expect(() => kernel.applyAdam()).toThrow(/load first/);
    expect(() => kernel.store()).toThrow(/load first/);
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
