import { beforeAll, describe, expect, it } from 'vitest';

import { initEngine, liveTensorCount, ops } from '../../engine/index.js';
import { Random } from '../../util/random.js';
import { DenseChain, glorotLayer } from './dense-chain.js';

/** KDD-like rows: `cols` features, ≈ 12 % non-zero, half of those exactly 1. */
function oneHotLikeRows(random: Random, rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, () =>
    random.next() >= 0.12 ? 0 : random.next() < 0.5 ? 1 : random.next(),
  );
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('DenseChain with a sparse input (the first layer in SparseRowsProducts)', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it.each([
    ['122-64-32 (ReLU, then linear)', [122, 64, 32]],
    ['122-16 (the first layer is the linear last one)', [122, 16]],
  ])('%s: outputs and gradients match the dense path', (_, widths) => {
    const random = new Random(widths.length);
    const layers = widths.slice(1).map((units, l) => {
      const layer = glorotLayer(widths[l], units, random);
      layer.bias.forEach((__, j, b) => (b[j] = 0.1 * random.normal()));
      return layer;
    });
    const dense = new DenseChain(layers);
    const sparse = new DenseChain(layers, true);
    const outputs = widths[widths.length - 1];
    // A full batch, then a larger one (the kernel grows) and a shorter remainder.
    for (const rows of [40, 64, 23]) {
      const x = oneHotLikeRows(random, rows, widths[0]);
      const gradient = Float32Array.from({ length: rows * outputs }, () => random.normal());
      const before = liveTensorCount();
      const [want, got] = [dense, sparse].map((chain) =>
        ops.tidy(() => {
          const out = chain.forward(x, rows).dataSync() as Float32Array;
          chain.backward(gradient.slice(), false);
          return {
            out: out.slice(),
            kernels: chain.kernelGradients.map((g) => g.slice()),
            biases: chain.biasGradients.map((g) => g.slice()),
          };
        }),
      );
      expect(liveTensorCount()).toBe(before);
      // Sums of ≤ 122 (forward) or ≤ 64 (gradient) products in another float32 order at most.
      expect(maxDifference(got.out, want.out)).toBeLessThan(1e-5);
      got.kernels.forEach((g, l) => expect(maxDifference(g, want.kernels[l])).toBeLessThan(1e-4));
      got.biases.forEach((g, l) => expect(maxDifference(g, want.biases[l])).toBeLessThan(1e-4));
      // Non-trivial: the first layer's weight gradient is non-zero only on inputs that occurred.
      expect(got.kernels[0].some((v) => v !== 0)).toBe(true);
    }
  });
});
