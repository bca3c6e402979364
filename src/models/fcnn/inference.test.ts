import { beforeAll, describe, expect, it } from 'vitest';

import { denseNetworkReference, initEngine, THREADED_MIN_ROWS } from '../../engine/index.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { foldedLayers, FoldedNetwork } from './inference.js';
import { FcnnParameters } from './parameters.js';
import { BATCH_NORM_EPSILON } from './training-step.js';

/** Initial parameters with BatchNorm statistics and scales moved away from 0 / 1, as after training. */
function trainedLike(seed: number, inputs: number, hidden: number[], classes: number): FcnnParameters {
  const random = new Random(seed);
  const params = FcnnParameters.initial(inputs, hidden, classes, random);
  for (const block of params.hidden) {
    for (let j = 0; j < block.units; j++) {
      block.gamma[j] = 0.5 + random.next();
      block.beta[j] = 0.2 * random.normal();
      block.movingMean[j] = 0.3 * random.normal();
      block.movingVariance[j] = 0.2 + random.next();
    }
  }
  for (let j = 0; j < params.output.units; j++) params.output.bias[j] = 0.1 * random.normal();
  return params;
}

/** The unfolded inference network in float64: dense, BatchNorm with the moving statistics, ReLU; softmax. */
function unfolded(params: FcnnParameters, x: Matrix): Float64Array {
  const out = new Float64Array(x.rows * params.output.units);
  for (let r = 0; r < x.rows; r++) {
    let h = Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols));
    for (const b of params.hidden) {
      h = Array.from({ length: b.units }, (_, j) => {
        let z = 0;
        for (let k = 0; k < b.inputs; k++) z += h[k] * b.kernel[k * b.units + j];
        const normal = (z - b.movingMean[j]) / Math.sqrt(b.movingVariance[j] + BATCH_NORM_EPSILON);
        return Math.max(0, b.gamma[j] * normal + b.beta[j]);
      });
    }
    const o = params.output;
    const logits = Array.from({ length: o.units }, (_, j) => {
      let z = o.bias[j];
      for (let k = 0; k < o.inputs; k++) z += h[k] * o.kernel[k * o.units + j];
      return z;
    });
    const max = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (out[r * o.units + j] = v / sum));
  }
  return out;
}

describe('FoldedNetwork (FCNN inference on the engine wasm kernel)', () => {
  beforeAll(async () => {
    await initEngine();
  });

  const random = new Random(21);
  const x = createMatrix(
    200,
    30,
    Float32Array.from({ length: 200 * 30 }, () => (random.next() < 0.3 ? random.next() : 0)),
  );

  it.each([[[16, 8]], [[64, 32]], [[7]]])(
    'hidden %j: matches the tfjs path and the unfolded network',
    (hidden) => {
      const params = trainedLike(5, 30, hidden, 4);
      const proba = new FoldedNetwork(params).predictProba(x);
      const reference = denseNetworkReference(foldedLayers(params), x);
      const exact = unfolded(params, x);
      let toTfjs = 0;
      let toExact = 0;
      for (let i = 0; i < proba.data.length; i++) {
        toTfjs = Math.max(toTfjs, Math.abs(proba.data[i] - reference.data[i]));
        toExact = Math.max(toExact, Math.abs(proba.data[i] - exact[i]));
      }
      // Same folded float32 weights as the tfjs path, other summation order: a few ulps.
      expect(toTfjs).toBeLessThan(1e-6);
      // Folding BatchNorm into float32 weights moves each weight by ≤ 1 ulp.
      expect(toExact).toBeLessThan(1e-5);
    },
  );

  it('threads: 2 gives the one-thread probabilities bit for bit', () => {
    const params = trainedLike(6, 30, [16, 8], 5);
    const rows = THREADED_MIN_ROWS + 3;
    const large = createMatrix(
      rows,
      30,
      Float32Array.from({ length: rows * 30 }, () => (random.next() < 0.3 ? random.next() : 0)),
    );
    const two = new FoldedNetwork(params, { threads: 2 });
    try {
      expect(Array.from(two.predictProba(large).data)).toEqual(
        Array.from(new FoldedNetwork(params).predictProba(large).data),
      );
    } finally {
      two.dispose();
    }
  });
});
