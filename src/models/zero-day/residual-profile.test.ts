import { describe, expect, it } from 'vitest';

import type { NamedWeights } from '../../fit/weights-file.js';
import { createMatrix } from '../../preprocess/matrix.js';
import { residualProfile } from './residual-profile.js';

/** 2 → 1 → 1 → 1 → 2 with hand-set weights, so the reconstruction can be worked out on paper. */
function tinyWeights(): NamedWeights {
  const t = (shape: number[], data: number[]) => ({ shape, data: Float32Array.from(data) });
  return {
    'dense0/kernel': t([2, 1], [1, -1]), // relu(a − b)
    'dense0/bias': t([1], [0]),
    'dense1/kernel': t([1, 1], [-2]), // linear bottleneck: −2h (negative values pass)
    'dense1/bias': t([1], [0]),
    'dense2/kernel': t([1, 1], [-1]), // relu(2h)
    'dense2/bias': t([1], [0]),
    'dense3/kernel': t([1, 2], [1, 0]), // sigmoid([g, 0])
    'dense3/bias': t([2], [0, 0]),
  };
}

describe('residualProfile', () => {
  it('is x minus the reconstruction, with relu, a linear bottleneck and a sigmoid output', () => {
    const x = createMatrix(2, 2, Float32Array.from([1, 0, 0, 1]));
    const r = residualProfile(tinyWeights(), x);
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    // row 0: h = relu(1) = 1, z = −2, g = relu(2) = 2, x̂ = [σ(2), σ(0)]
    expect(r.data[0]).toBeCloseTo(1 - sigmoid(2), 6);
    expect(r.data[1]).toBeCloseTo(0 - 0.5, 6);
    // row 1: h = relu(−1) = 0, z = 0, g = 0, x̂ = [0.5, 0.5]
    expect(r.data[2]).toBeCloseTo(-0.5, 6);
    expect(r.data[3]).toBeCloseTo(0.5, 6);
  });

  it('refuses rows of another width and missing weights', () => {
    expect(() => residualProfile(tinyWeights(), createMatrix(1, 3))).toThrow(
      /maps 2 → 2 features, the rows have 3/,
    );
    expect(() => residualProfile({}, createMatrix(1, 2))).toThrow(/no autoencoder weights/);
  });
});
