import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { initEngine } from './index.js';
import { SparseRowsProducts } from './sparse-rows.js';

/** Rows like one-hot encoded records: a share `density` of non-zeros, half of them exactly 1. */
function sparseRows(random: Random, n: number, cols: number, density: number): Float32Array {
  return Float32Array.from({ length: n * cols }, () =>
    random.next() >= density ? 0 : random.next() < 0.5 ? 1 : random.normal(),
  );
}

function normal(random: Random, length: number): Float32Array {
  return Float32Array.from({ length }, () => random.normal());
}

/** The float32 sums the kernel computes, spelled out: Σ over k (forward) or rows (gradient), in order. */
function float32Forward(
  x: Float32Array,
  n: number,
  inputs: number,
  w: Float32Array,
  units: number,
  bias?: Float32Array,
) {
  const out = new Float32Array(n * units);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < units; j++) {
      let sum = bias ? bias[j] : 0;
      for (let k = 0; k < inputs; k++)
        sum = Math.fround(sum + Math.fround(x[r * inputs + k] * w[k * units + j]));
      out[r * units + j] = sum;
    }
  }
  return out;
}

function float32Gradient(x: Float32Array, n: number, inputs: number, dz: Float32Array, units: number) {
  const out = new Float32Array(inputs * units);
  for (let k = 0; k < inputs; k++) {
    for (let j = 0; j < units; j++) {
      let sum = 0;
      for (let r = 0; r < n; r++) sum = Math.fround(sum + Math.fround(x[r * inputs + k] * dz[r * units + j]));
      out[k * units + j] = sum;
    }
  }
  return out;
}

function maxDifference(a: Float32Array, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('SparseRowsProducts (wasm SIMD) against tfjs matMul', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  // Units covering chunks of 32, 16, 8 and 4 lanes and widths that are not multiples of 4 (padded rows).
  const SHAPES: [number, number][] = [
    [122, 64],
    [122, 128],
    [13, 7],
    [40, 70],
    [9, 1],
  ];

  it.each(SHAPES)(
    '%i × %i: forward and weight gradient, bit for bit the float32 sums in order',
    (inputs, units) => {
      const random = new Random(inputs + units);
      const products = new SparseRowsProducts(inputs, units, 40);
      // A full batch, then a shorter one reusing the same instance.
      for (const n of [40, 17]) {
        const x = sparseRows(random, n, inputs, 0.15);
        const w = normal(random, inputs * units);
        const dz = normal(random, n * units);
        products.setRows(x, n);
        const z = new Float32Array(n * units);
        products.forward(w, z);
        expect(Array.from(z)).toEqual(Array.from(float32Forward(x, n, inputs, w, units)));
        // With a bias, each sum starts from it (as a fused matmul's accumulators do).
        const bias = normal(random, units);
        products.forward(w, z, bias);
        expect(Array.from(z)).toEqual(Array.from(float32Forward(x, n, inputs, w, units, bias)));
        const dw = new Float32Array(inputs * units);
        products.weightGradient(dz, dw);
        expect(Array.from(dw)).toEqual(Array.from(float32Gradient(x, n, inputs, dz, units)));
      }
    },
  );

  it.each(SHAPES)(
    '%i × %i: within float32 rounding of tfjs matMul, sparse and dense rows',
    (inputs, units) => {
      const random = new Random(3 * inputs + units);
      const n = 33;
      const products = new SparseRowsProducts(inputs, units, n);
      for (const density of [0.12, 1]) {
        const x = sparseRows(random, n, inputs, density);
        const w = normal(random, inputs * units);
        const dz = normal(random, n * units);
        products.setRows(x, n);
        const z = new Float32Array(n * units);
        products.forward(w, z);
        const dw = new Float32Array(inputs * units);
        products.weightGradient(dz, dw);
        const [zRef, dwRef] = tf.tidy(() => {
          const xt = tf.tensor2d(x, [n, inputs]);
          return [
            tf.matMul(xt, tf.tensor2d(w, [inputs, units])).dataSync(),
            tf.matMul(xt, tf.tensor2d(dz, [n, units]), true, false).dataSync(),
          ];
        });
        // Sums of ≤ 122 products of magnitude ≲ 3 in another order: float32 rounding, ≲ 1e-5 absolute.
        expect(maxDifference(z, zRef)).toBeLessThan(1e-4);
        expect(maxDifference(dw, dwRef)).toBeLessThan(1e-4);
      }
    },
  );

  it('rejects bad shapes and batches with a clear error', () => {
    expect(() => new SparseRowsProducts(0, 4, 8)).toThrow(IotIdsError);
    const products = new SparseRowsProducts(5, 3, 8);
    expect(() => products.setRows(new Float32Array(45), 9)).toThrow(/9 rows of 5 \(at most 8\)/);
    products.setRows(new Float32Array(20), 4);
    expect(() => products.forward(new Float32Array(14), new Float32Array(12))).toThrow(
      /kernel holds 14 values, needs 15/,
    );
    expect(() => products.weightGradient(new Float32Array(12), new Float32Array(10))).toThrow(
      /out holds 10 values, needs 15/,
    );
  });
});
