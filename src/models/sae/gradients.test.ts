import { beforeAll, describe, expect, it } from 'vitest';

import {
  initEngine,
  liveTensorCount,
  ops,
  SparseRowsProducts,
  type Scalar,
  type Tensor,
  type Variable,
} from '../../engine/index.js';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { autoencoderStep, type AutoencoderParameters, type SparsityPenalty } from './autoencoder-step.js';
import { glorotKernel, type Parameter } from './parameters.js';
import { rowBatches } from './row-batches.js';
import { fineTuneStep, headStep, type HeadParameters } from './softmax-step.js';

const FEATURES = 7;
const HIDDEN = 5;
const CLASSES = 3;
const ROWS = 9;

function randomParameter(name: string, shape: number[], random: Random): Parameter {
  const p = glorotKernel(name, shape[0], shape[1] ?? 1, random);
  return { ...p, shape };
}

function fixture(seed: number) {
  const random = new Random(seed);
  const x = createMatrix(
    ROWS,
    FEATURES,
    Float32Array.from({ length: ROWS * FEATURES }, () => random.next()),
  );
  const labels = Int32Array.from({ length: ROWS }, (_, i) => i % CLASSES);
  const weights = Float32Array.from({ length: ROWS }, () => 0.5 + random.next());
  const autoencoder: AutoencoderParameters = [
    randomParameter('w1', [FEATURES, HIDDEN], random),
    randomParameter('b1', [HIDDEN], random),
    randomParameter('w2', [HIDDEN, FEATURES], random),
    randomParameter('b2', [FEATURES], random),
  ];
  const head: HeadParameters = [
    randomParameter('w3', [HIDDEN, CLASSES], random),
    randomParameter('b3', [CLASSES], random),
  ];
  const order = Int32Array.from({ length: ROWS }, (_, i) => i);
  const [batch] = [...rowBatches(x, order, ROWS, { labels, weights })];
  return { x, labels, weights, autoencoder, head, batch };
}

/** Gradients of a scalar function of the parameters, by the tape, as plain arrays. */
function tapeGradients(
  parameters: readonly Parameter[],
  objective: (vars: Variable[]) => Scalar,
): Float32Array[] {
  const vars = parameters.map((p) => ops.variable(ops.tensor(p.values, [...p.shape])));
  const { grads, value } = ops.variableGrads(() => objective(vars), vars);
  const out = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  ops.dispose([...vars, ...Object.values(grads), value]);
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 2e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tolerance);
}

describe('hand-written gradients match the tape', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it.each<SparsityPenalty>([
    { kind: 'kl', rho: 0.05, beta: 3, l1: 0 },
    { kind: 'l1', rho: 0.05, beta: 3, l1: 0.02 },
  ])('autoencoder with $kind penalty, dense and sparse-input paths', (penalty) => {
    const { x, autoencoder, batch } = fixture(1);
    const before = liveTensorCount();
    const step = autoencoderStep(batch, autoencoder, penalty);
    const products = new SparseRowsProducts(FEATURES, HIDDEN, ROWS);
    const sparseStep = autoencoderStep(batch, autoencoder, penalty, products);
    expect(liveTensorCount()).toBe(before);
    let tapeReconstruction = 0;
    let tapePenalty = 0;
    const expected = tapeGradients(autoencoder, ([w1, b1, w2, b2]) => {
      const xs = ops.tensor2d(x.data, [ROWS, FEATURES]);
      const h = ops.sigmoid(ops.add(ops.matMul(xs, w1), b1));
      const r = ops.sigmoid(ops.add(ops.matMul(h, w2), b2));
      const reconstruction = ops.div(ops.sum(ops.square(ops.sub(r, xs))), 2 * ROWS);
      const rhoHat = ops.mean(h, 0);
      const { rho, beta } = penalty;
      const sparsity =
        penalty.kind === 'kl'
          ? ops.mul(
              beta,
              ops.sum(
                ops.add(
                  ops.mul(rho, ops.log(ops.div(rho, rhoHat))),
                  ops.mul(1 - rho, ops.log(ops.div(1 - rho, ops.sub(1, rhoHat)))),
                ),
              ),
            )
          : ops.mul(penalty.l1, ops.div(ops.sum(ops.abs(h)), ROWS));
      tapeReconstruction = reconstruction.dataSync()[0];
      tapePenalty = sparsity.dataSync()[0];
      return ops.add(reconstruction, sparsity);
    });
    for (const s of [step, sparseStep]) {
      s.gradients.forEach((g, k) =>
        expectClose(
          g.map((v) => v / ROWS),
          expected[k],
        ),
      );
      expect(s.reconstructionSum / ROWS).toBeCloseTo(tapeReconstruction, 5);
      expect(s.penalty).toBeCloseTo(tapePenalty, 4);
    }
  });

  it('the sparse-input encoder path matches the dense one on one-hot-like rows', () => {
    // KDD-like rows: 122 features, ≈ 12 % non-zero (half of them exactly 1), 64 hidden units, two batches
    // (a full one and a shorter remainder) through one SparseRowsProducts instance.
    const features = 122;
    const hidden = 64;
    const rows = 100;
    const random = new Random(11);
    const x = createMatrix(
      rows,
      features,
      Float32Array.from({ length: rows * features }, () =>
        random.next() >= 0.12 ? 0 : random.next() < 0.5 ? 1 : random.next(),
      ),
    );
    const parameters: AutoencoderParameters = [
      randomParameter('w1', [features, hidden], random),
      randomParameter('b1', [hidden], random),
      randomParameter('w2', [hidden, features], random),
      randomParameter('b2', [features], random),
    ];
    parameters[1].values.forEach((_, j, b) => (b[j] = 0.1 * random.normal()));
    const penalty: SparsityPenalty = { kind: 'kl', rho: 0.05, beta: 3, l1: 0 };
    const products = new SparseRowsProducts(features, hidden, 64);
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    const dense = [...rowBatches(x, order, 64)];
    const sparse = [...rowBatches(x, order, 64, { transposed: false })];
    expect(sparse.map((b) => b.size)).toEqual([64, 36]);
    sparse.forEach((batch, i) => {
      const before = liveTensorCount();
      const got = autoencoderStep(batch, parameters, penalty, products);
      expect(liveTensorCount()).toBe(before);
      const want = autoencoderStep(dense[i], parameters, penalty);
      // Gradients are batch sums (≤ 64 terms of magnitude ≲ 1): the two paths differ only in float32
      // summation order, ≲ 1e-6 relative.
      got.gradients.forEach((g, k) => {
        const scale = Math.max(1, ...want.gradients[k].map(Math.abs));
        expectClose(g, want.gradients[k], 1e-5 * scale);
      });
      expect(got.reconstructionSum).toBeCloseTo(want.reconstructionSum, 3);
      expect(got.penalty).toBeCloseTo(want.penalty, 5);
    });
    // A batch larger than the instance holds, or another layer shape, is refused by name.
    expect(() =>
      autoencoderStep(dense[0], parameters, penalty, new SparseRowsProducts(features, hidden, 8)),
    ).toThrow(/encoder products for 122 × 64 and ≤ 8 rows/);
  });

  it('softmax head on codes, with row weights', () => {
    const { head, labels, weights } = fixture(2);
    const random = new Random(5);
    const codes = createMatrix(
      ROWS,
      HIDDEN,
      Float32Array.from({ length: ROWS * HIDDEN }, () => random.next()),
    );
    const order = Int32Array.from({ length: ROWS }, (_, i) => i);
    const [batch] = [...rowBatches(codes, order, ROWS, { labels, weights })];
    const before = liveTensorCount();
    const step = headStep(batch, head);
    expect(liveTensorCount()).toBe(before);
    const expected = tapeGradients(head, ([w3, b3]) =>
      weightedCrossEntropy(
        ops.add(ops.matMul(ops.tensor2d(codes.data, [ROWS, HIDDEN]), w3), b3),
        labels,
        weights,
      ),
    );
    step.gradients.forEach((g, k) =>
      expectClose(
        g.map((v) => v / ROWS),
        expected[k],
      ),
    );
    expect(step.lossSum).toBeGreaterThan(0);
  });

  it('fine-tuning through encoder and head', () => {
    const { x, autoencoder, head, batch } = fixture(3);
    const before = liveTensorCount();
    const step = fineTuneStep(batch, [autoencoder[0], autoencoder[1]], head);
    expect(liveTensorCount()).toBe(before);
    const expected = tapeGradients([autoencoder[0], autoencoder[1], ...head], ([w1, b1, w3, b3]) => {
      const h = ops.sigmoid(ops.add(ops.matMul(ops.tensor2d(x.data, [ROWS, FEATURES]), w1), b1));
      return weightedCrossEntropy(ops.add(ops.matMul(h, w3), b3), batch.labels!, batch.weights!);
    });
    step.gradients.forEach((g, k) =>
      expectClose(
        g.map((v) => v / ROWS),
        expected[k],
      ),
    );
  });
});

function weightedCrossEntropy(logits: Tensor, labels: Int32Array, weights: Float32Array): Scalar {
  const oneHot = ops.oneHot(ops.tensor1d(labels, 'int32'), CLASSES);
  const perRow = ops.neg(ops.sum(ops.mul(oneHot, ops.logSoftmax(logits)), 1));
  return ops.div(ops.sum(ops.mul(perRow, ops.tensor1d(weights))), ROWS);
}
