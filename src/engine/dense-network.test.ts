import { beforeAll, describe, expect, it } from 'vitest';

import { IotIdsError } from '../errors.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import { DenseNetworkKernel, type DenseLayer } from './dense-network.js';
import { denseNetworkReference } from './dense-network-reference.js';
import { initEngine } from './index.js';

function network(random: Random, widths: number[]): DenseLayer[] {
  return widths.slice(1).map((units, i) => {
    const inputs = widths[i];
    const kernel = new Float32Array(inputs * units);
    const limit = Math.sqrt(6 / (inputs + units));
    for (let j = 0; j < kernel.length; j++) kernel[j] = (2 * random.next() - 1) * limit;
    const bias = new Float32Array(units);
    for (let j = 0; j < units; j++) bias[j] = 0.1 * random.normal();
    return { inputs, units, kernel, bias, relu: i < widths.length - 2 };
  });
}

/** Rows like one-hot encoded records: most values 0, a few 1, some in (0, 1]; `density` of non-zeros. */
function rows(random: Random, count: number, cols: number, density: number): Matrix {
  const data = new Float32Array(count * cols);
  for (let i = 0; i < data.length; i++) {
    if (random.next() >= density) continue;
    data[i] = random.next() < 0.5 ? 1 : random.next();
  }
  return createMatrix(count, cols, data);
}

/**
 * The kernel's arithmetic spelled out in float32: per unit, the bias plus x_k · w_kj for k = 0, 1, …,
 * each product and each sum rounded to float32 (no fused multiply-add), ReLU on hidden layers.
 */
function float32Logits(layers: DenseLayer[], x: Matrix): Matrix {
  const last = layers[layers.length - 1];
  const out = new Float32Array(x.rows * last.units);
  for (let r = 0; r < x.rows; r++) {
    let h = Array.from(x.data.subarray(r * x.cols, (r + 1) * x.cols));
    for (const l of layers) {
      const next: number[] = [];
      for (let j = 0; j < l.units; j++) {
        let sum = l.bias[j];
        for (let k = 0; k < l.inputs; k++)
          sum = Math.fround(sum + Math.fround(h[k] * l.kernel[k * l.units + j]));
        next.push(l.relu ? Math.max(0, sum) : sum);
      }
      h = next;
    }
    out.set(h, r * last.units);
  }
  return createMatrix(x.rows, last.units, out);
}

const f32 = Math.fround;

/** Rounds half-way cases to even, as f32x4.nearest does (Math.round rounds them up). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The kernel's exp of x ≤ 0 spelled out in float32: its range reduction, polynomial and 2^n scaling. */
function float32Exp(x: number): number {
  if (x < -87) return 0;
  const n = roundHalfEven(f32(x * f32(Math.LOG2E)));
  let r = f32(x - f32(n * f32(0.693359375)));
  r = f32(r - f32(n * f32(-2.1219444e-4)));
  let p = f32(1 / 5040);
  for (const c of [1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1]) p = f32(f32(p * r) + f32(c));
  return f32(p * 2 ** n);
}

/**
 * The kernel's softmax spelled out in float32, per row: exp(l − max) by lanes of 4, each lane's sum
 * in increasing j from 0, the four lane sums added (0 + 1) + (2 + 3), each value divided by the sum.
 */
function float32Softmax(logits: Matrix): Matrix {
  const n = logits.cols;
  const out = new Float32Array(logits.data.length);
  for (let r = 0; r < logits.rows; r++) {
    const row = logits.data.subarray(r * n, (r + 1) * n);
    const max = row.reduce((m, v) => (v > m ? v : m), row[0]);
    const e = Array.from(row, (v) => float32Exp(f32(v - max)));
    const lanes = [0, 0, 0, 0];
    e.forEach((v, j) => (lanes[j % 4] = f32(lanes[j % 4] + v)));
    const sum = f32(f32(lanes[0] + lanes[1]) + f32(lanes[2] + lanes[3]));
    e.forEach((v, j) => (out[r * n + j] = f32(v / sum)));
  }
  return createMatrix(logits.rows, n, out);
}

function maxDifference(a: Matrix, b: Matrix): number {
  expect([a.rows, a.cols]).toEqual([b.rows, b.cols]);
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  return max;
}

// Widths cover chunks of 32, 16, 8 and 4 units (one row, or two rows together below 32), widths that are
// not multiples of 4, one output unit, and softmax over ≤ 4, ≤ 8 (two vectors) and more outputs.
const SHAPES = [
  [122, 64, 32, 5],
  [122, 128, 64, 5],
  [13, 7, 3],
  [40, 70, 2],
  [9, 36, 1],
  [30, 50, 20, 12],
  [10, 9, 8],
];

describe('DenseNetworkKernel (wasm SIMD) against the tfjs path it replaced', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });

  it.each(SHAPES)(
    'network %j: last-layer outputs are the float32 sums in k order, bit for bit',
    (...widths) => {
      const random = new Random(11);
      const layers = network(random, widths);
      const x = rows(random, 37, widths[0], 0.3);
      const kernel = new DenseNetworkKernel(layers, { softmax: false, batchRows: 16 });
      expect(Array.from(kernel.predict(x).data)).toEqual(Array.from(float32Logits(layers, x).data));
    },
  );

  it.each(SHAPES)(
    'network %j: probabilities are the float32 softmax of those sums, bit for bit; 1, 2 and 37 rows',
    (...widths) => {
      const random = new Random(13);
      const layers = network(random, widths);
      const kernel = new DenseNetworkKernel(layers, { batchRows: 16 });
      for (const count of [1, 2, 37]) {
        const x = rows(random, count, widths[0], 0.3);
        const expected = float32Softmax(float32Logits(layers, x));
        expect(Array.from(kernel.predict(x).data)).toEqual(Array.from(expected.data));
      }
    },
  );

  it.each(SHAPES)('network %j: probabilities within 1e-6 of tfjs, sparse and dense rows', (...widths) => {
    const random = new Random(widths.length * 7 + widths[1]);
    const layers = network(random, widths);
    const kernel = new DenseNetworkKernel(layers, { batchRows: 64 });
    for (const density of [0.12, 1]) {
      // 300 rows: several calls of 64 rows, the last one short.
      const x = rows(random, 300, widths[0], density);
      const ours = kernel.predict(x);
      const reference = denseNetworkReference(layers, x);
      // float32 sums of ≤ 128 terms through ≤ 3 layers, summed in another order than XNNPACK's, and a
      // polynomial exp: a few ulps of a probability ≤ 1 per layer (observed ≤ 1.2e-7 here).
      expect(maxDifference(ours, reference)).toBeLessThan(1e-6);
      for (let r = 0; r < ours.rows; r++) {
        let sum = 0;
        for (let j = 0; j < ours.cols; j++) sum += ours.data[r * ours.cols + j];
        expect(sum).toBeCloseTo(1, 5);
      }
    }
  });

  it('lists every non-zero input wherever it sits: word and group edges, the last column, -0', () => {
    const random = new Random(17);
    const layers = network(random, [130, 6, 3]);
    const columns = [0, 15, 16, 63, 64, 79, 127, 128, 129];
    const data = new Float32Array((columns.length + 1) * 130);
    columns.forEach((k, r) => (data[r * 130 + k] = 0.75));
    // The last row: -0 everywhere (a zero term), the value 1 in its last column only.
    data.fill(-0, columns.length * 130);
    data[data.length - 1] = 1;
    const x = createMatrix(columns.length + 1, 130, data);
    const kernel = new DenseNetworkKernel(layers, { softmax: false, batchRows: 4 });
    expect(Array.from(kernel.predict(x).data)).toEqual(Array.from(float32Logits(layers, x).data));
  });

  it('softmax holds for logits far apart (no overflow, no NaN)', () => {
    // One layer, identity-like weights: the logits are the inputs.
    const layer: DenseLayer = {
      inputs: 3,
      units: 3,
      kernel: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]),
      bias: new Float32Array(3),
      relu: false,
    };
    const x = createMatrix(3, 3, Float32Array.from([1000, -1000, 0, -200, -200, -200, 80, 79, -30]));
    const ours = new DenseNetworkKernel([layer]).predict(x);
    const reference = denseNetworkReference([layer], x);
    expect(maxDifference(ours, reference)).toBeLessThan(1e-6);
    expect(Array.from(ours.data.subarray(0, 6))).toEqual([1, 0, 0, 1 / 3, 1 / 3, 1 / 3].map(Math.fround));
  });

  it('an empty matrix gives an empty result; instances do not share state', () => {
    const random = new Random(3);
    const a = network(random, [6, 8, 3]);
    const b = network(random, [6, 8, 3]);
    const x = rows(random, 10, 6, 0.5);
    const ka = new DenseNetworkKernel(a);
    const kb = new DenseNetworkKernel(b);
    expect(ka.predict(createMatrix(0, 6)).data.length).toBe(0);
    const first = Array.from(ka.predict(x).data);
    kb.predict(x);
    expect(Array.from(ka.predict(x).data)).toEqual(first);
  });

  it('rejects inconsistent layers and inputs with a clear error', () => {
    const random = new Random(4);
    const [l1, l2] = network(random, [5, 4, 2]);
    expect(() => new DenseNetworkKernel([])).toThrow(IotIdsError);
    expect(() => new DenseNetworkKernel([l1, { ...l2, inputs: 3, kernel: new Float32Array(6) }])).toThrow(
      /layer 1 takes 3 inputs but layer 0 has 4 units/,
    );
    expect(() => new DenseNetworkKernel([{ ...l1, bias: new Float32Array(3) }])).toThrow(/bias has 3 values/);
    expect(() => new DenseNetworkKernel([l1, l2]).predict(createMatrix(2, 6))).toThrow(
      /input has 6 columns, the network takes 5/,
    );
  });
});
