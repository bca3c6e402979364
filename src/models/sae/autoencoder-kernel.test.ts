import { beforeAll, describe, expect, it } from 'vitest';

import { initEngine } from '../../engine/index.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { AutoencoderKernel } from './autoencoder-kernel.js';
import { autoencoderStep, type AutoencoderParameters, type SparsityPenalty } from './autoencoder-step.js';
import { glorotKernel, SaeOptimizer, type Parameter } from './parameters.js';
import { rowBatches } from './row-batches.js';

/** KDD-like rows: ≈ 12 % non-zero, half of those exactly 1 (one-hot), the rest in (0, 1); one row all zero. */
function kddLikeRows(rows: number, features: number, random: Random): Matrix {
  const data = Float32Array.from({ length: rows * features }, () =>
    random.next() >= 0.12 ? 0 : random.next() < 0.5 ? 1 : random.next(),
  );
  data.fill(0, 3 * features, 4 * features);
  return createMatrix(rows, features, data);
}

function parameters(features: number, hidden: number, random: Random): AutoencoderParameters {
  const kernel = (name: string, rows: number, cols: number): Parameter =>
    glorotKernel(name, rows, cols, random);
  const bias = (name: string, units: number): Parameter => ({
    name,
    shape: [units],
    values: Float32Array.from({ length: units }, () => 0.3 * random.normal()),
    decays: false,
  });
  return [
    kernel('encoder/kernel', features, hidden),
    bias('encoder/bias', hidden),
    kernel('decoder/kernel', hidden, features),
    bias('decoder/bias', features),
  ];
}

function copy(params: AutoencoderParameters): AutoencoderParameters {
  return params.map((p) => ({ ...p, values: p.values.slice() })) as unknown as AutoencoderParameters;
}

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

/** Largest |a − b| over the arrays, relative to the largest |b| (at least 1). */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / Math.max(1, maxAbs(b));
}

/** How many values differ in their bits (NaN would count as differing from itself only if its bits did). */
function differing(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let count = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) count++;
  return count;
}

describe('AutoencoderKernel (the whole pretraining step in wasm)', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it.each<[string, number, number, SparsityPenalty]>([
    ['KDD-like 122 × 64, KL', 122, 64, { kind: 'kl', rho: 0.05, beta: 3, l1: 0 }],
    ['KDD-like 122 × 64, L1', 122, 64, { kind: 'l1', rho: 0.05, beta: 3, l1: 0.02 }],
    ['unpadded 7 × 5 (row pitches rounded up), KL', 7, 5, { kind: 'kl', rho: 0.1, beta: 2, l1: 0 }],
  ])('gradients and losses match the tfjs step: %s', (_, features, hidden, penalty) => {
    const random = new Random(features + hidden);
    const rows = 100;
    const x = kddLikeRows(rows, features, random);
    const params = parameters(features, hidden, random);
    const kernel = new AutoencoderKernel(x, hidden, 64);
    kernel.load(params, new SaeOptimizer('o', params));
    const order = new Random(3).shuffle(Int32Array.from({ length: rows }, (_, i) => i));
    kernel.setOrder(order);
    // A full batch of 64 and the remainder of 36, in a shuffled order.
    const batches = [...rowBatches(x, order, 64)];
    expect(batches.map((b) => b.size)).toEqual([64, 36]);
    let start = 0;
    for (const batch of batches) {
      const got = kernel.computeGradients(start, batch.size, penalty);
      start += batch.size;
      const want = autoencoderStep(batch, params, penalty);
      // Batch sums of ≤ 64 terms: the two differ in the sigmoid's last bits and the order of some float32
      // sums. Measured: at most 5.8e-7 of the largest gradient (≈ 5 float32 ulps), the losses 1.4e-6 apart.
      kernel.gradients().forEach((g, k) => {
        expect(relativeDifference(g, want.gradients[k])).toBeLessThan(2e-6);
        expect(maxAbs(g)).toBeGreaterThan(0);
      });
      expect(Math.abs(got.reconstructionSum - want.reconstructionSum)).toBeLessThan(
        5e-6 * want.reconstructionSum,
      );
      expect(Math.abs(got.penalty - want.penalty)).toBeLessThan(5e-6 * Math.max(1, want.penalty));
    }
  });

  // Weights large enough that many pre-activations lie beyond the sigmoid's clamp (|z| > 88) on both sides:
  // the clamped sigmoid still gives 0 and 1 (to float32) there, and the gradients stay those of the tfjs step.
  it('matches the tfjs step when pre-activations saturate the sigmoid (beyond its ±88 clamp)', () => {
    const random = new Random(11);
    const [features, hidden, rows] = [13, 9, 40];
    const x = kddLikeRows(rows, features, random);
    const params = parameters(features, hidden, random);
    for (const p of params) for (let i = 0; i < p.values.length; i++) p.values[i] *= 400;
    const kernel = new AutoencoderKernel(x, hidden, rows);
    kernel.load(params, new SaeOptimizer('o', params));
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    kernel.setOrder(order);
    const penalty: SparsityPenalty = { kind: 'l1', rho: 0.05, beta: 3, l1: 0.02 };
    const got = kernel.computeGradients(0, rows, penalty);
    const [batch] = [...rowBatches(x, order, rows)];
    const want = autoencoderStep(batch, params, penalty);
    let beyond = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < hidden; j++) {
        let z = params[1].values[j];
        for (let c = 0; c < features; c++) z += x.data[r * features + c] * params[0].values[c * hidden + j];
        if (Math.abs(z) > 88) beyond++;
      }
    }
    expect(beyond).toBeGreaterThan(rows);
    kernel.gradients().forEach((g, k) => {
      expect(g.every(Number.isFinite)).toBe(true);
      expect(relativeDifference(g, want.gradients[k])).toBeLessThan(2e-6);
    });
    expect(Number.isFinite(got.reconstructionSum)).toBe(true);
    expect(Math.abs(got.reconstructionSum - want.reconstructionSum)).toBeLessThan(
      5e-6 * want.reconstructionSum,
    );
  });

  // ∂W₂ is summed GW2_ROWS (32) rows at a time inside the decoder's 4-row blocks, each part continuing the
  // sums the last left: the same float32 additions, in the same order, as one sum over the batch. Checked bit
  // for bit against that sum in JS from the kernel's own h and δout, for batches inside one part, on its
  // edge, across parts and ending in a partial 4-row block.
  it.each([1, 5, 32, 33, 70, 100])(
    '∂W₂ is the float32 sum over the rows in order, bit for bit, for a batch of %i',
    (size) => {
      const random = new Random(size);
      const [features, hidden] = [122, 64];
      const x = kddLikeRows(100, features, random);
      const params = parameters(features, hidden, random);
      const kernel = new AutoencoderKernel(x, hidden, 100);
      kernel.load(params, new SaeOptimizer('o', params));
      kernel.setOrder(new Random(5).shuffle(Int32Array.from({ length: 100 }, (_, i) => i)));
      kernel.computeGradients(0, size, { kind: 'kl', rho: 0.05, beta: 3, l1: 0 });
      const inside = kernel as unknown as {
        exports: { memory: WebAssembly.Memory };
        at: { h: number; out: number; dp: number; hp: number };
      };
      const { h: hAt, out: outAt, dp, hp } = inside.at;
      const h = new Float32Array(inside.exports.memory.buffer, hAt, size * hp);
      const delta = new Float32Array(inside.exports.memory.buffer, outAt, size * dp);
      const want = new Float32Array(hidden * features);
      for (let j = 0; j < hidden; j++) {
        for (let c = 0; c < features; c++) {
          let sum = 0;
          for (let k = 0; k < size; k++)
            sum = Math.fround(sum + Math.fround(h[k * hp + j] * delta[k * dp + c]));
          want[j * features + c] = sum;
        }
      }
      const got = kernel.gradients()[2];
      expect(maxAbs(want)).toBeGreaterThan(0);
      expect(differing(got, want)).toBe(0);
    },
  );

  it("runs the optimiser's Adam update bit for bit, decay and step count included", () => {
    const random = new Random(5);
    const x = kddLikeRows(50, 122, random);
    const params = parameters(122, 64, random);
    const mirror = copy(params);
    const options = { learningRate: 0.02, weightDecay: 1e-3 };
    const optimizer = new SaeOptimizer('o', params, options);
    const reference = new SaeOptimizer('o', mirror, options);
    const kernel = new AutoencoderKernel(x, 64, 50);
    kernel.load(params, optimizer);
    kernel.setOrder(Int32Array.from({ length: 50 }, (_, i) => i));
    const penalty: SparsityPenalty = { kind: 'kl', rho: 0.05, beta: 3, l1: 0 };
    for (let s = 0; s < 3; s++) {
      kernel.computeGradients(0, 50, penalty);
      reference.apply(kernel.gradients(), 1 / 50);
      kernel.applyAdam(optimizer.constants(), 1 / 50);
    }
    kernel.store(params, optimizer);
    expect(optimizer.iterations).toBe(3);
    params.forEach((p, k) => {
      expect(differing(p.values, mirror[k].values)).toBe(0);
      expect(differing(optimizer.moments(k).m, reference.moments(k).m)).toBe(0);
      expect(differing(optimizer.moments(k).v, reference.moments(k).v)).toBe(0);
    });
  });

  it('trains as the tfjs step with the JS optimiser does, over an epoch of batches', () => {
    const random = new Random(7);
    const rows = 300;
    const x = kddLikeRows(rows, 122, random);
    const params = parameters(122, 64, random);
    const mirror = copy(params);
    const penalty: SparsityPenalty = { kind: 'kl', rho: 0.05, beta: 3, l1: 0 };
    const optimizer = new SaeOptimizer('o', params, { learningRate: 0.02, weightDecay: 1e-4 });
    const reference = new SaeOptimizer('o', mirror, { learningRate: 0.02, weightDecay: 1e-4 });
    const kernel = new AutoencoderKernel(x, 64, 64);
    const order = new Random(9).shuffle(Int32Array.from({ length: rows }, (_, i) => i));
    kernel.load(params, optimizer);
    kernel.setOrder(order);
    let start = 0;
    let kernelLoss = 0;
    let referenceLoss = 0;
    for (const batch of rowBatches(x, order, 64)) {
      const got = kernel.computeGradients(start, batch.size, penalty);
      kernel.applyAdam(optimizer.constants(), 1 / batch.size);
      start += batch.size;
      const want = autoencoderStep(batch, mirror, penalty);
      reference.apply(want.gradients, 1 / batch.size);
      kernelLoss += got.reconstructionSum + got.penalty * batch.size;
      referenceLoss += want.reconstructionSum + want.penalty * batch.size;
    }
    kernel.store(params, optimizer);
    expect(optimizer.iterations).toBe(5);
    // Five Adam steps from slightly different gradients: the weights measured ≤ 5.3e-8 apart (relative to
    // the largest weight), tested at 1e-6.
    params.forEach((p, k) => expect(relativeDifference(p.values, mirror[k].values)).toBeLessThan(1e-6));
    expect(Math.abs(kernelLoss - referenceLoss)).toBeLessThan(5e-6 * referenceLoss);
  });

  it('refuses a batch larger than it was made for, and parameters of another shape', () => {
    const random = new Random(1);
    const x = kddLikeRows(10, 12, random);
    const kernel = new AutoencoderKernel(x, 4, 8);
    expect(() => kernel.computeGradients(0, 9, { kind: 'l1', rho: 0.05, beta: 3, l1: 0.1 })).toThrow(
      /a batch of 9 rows \(at most 8\)/,
    );
    const other = parameters(12, 5, random);
    expect(() => kernel.load(other, new SaeOptimizer('o', other))).toThrow(/made for 12 × 4/);
  });
});
