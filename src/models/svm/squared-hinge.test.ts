import { describe, expect, it } from 'vitest';
import { Random } from '../../util/random.js';
import {
  decisionValues,
  squaredHingeGradient,
  squaredHingeSum,
  type BatchGradient,
  type LinearDecision,
} from './squared-hinge.js';

const p = 6;
const k = 3;
const n = 9;
const random = new Random(5);
const z = Float32Array.from({ length: n * p }, () => random.normal());
const labels = Int32Array.from({ length: n }, (_, i) => i % k);
const rowWeights = Float32Array.from({ length: n }, () => 0.5 + random.next());
const head: LinearDecision = {
  nFeatures: p,
  nClasses: k,
  weight: Float32Array.from({ length: k * p }, () => random.normal() * 0.3),
  bias: Float32Array.from({ length: k }, () => random.normal() * 0.3),
};

function meanLoss(h: LinearDecision): number {
  const s = new Float32Array(n * k);
  decisionValues(h, z, n, s);
  return squaredHingeSum(s, k, labels, rowWeights) / n;
}

describe('squared hinge one-vs-rest', () => {
  it('decision values are W_c · z + b_c', () => {
    const s = new Float32Array(n * k);
    decisionValues(head, z, n, s);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let expected = head.bias[c];
        for (let f = 0; f < p; f++) expected += head.weight[c * p + f] * z[i * p + f];
        expect(s[i * k + c]).toBeCloseTo(expected, 5);
      }
    }
  });

  it('loss is zero once every margin is at least 1, and counts violations squared', () => {
    const scores = Float32Array.of(1.5, -1, -2, /* row 2: */ 0.5, -0.5, -1);
    expect(squaredHingeSum(scores, 3, [0, 0], null)).toBeCloseTo(0 + (0.25 + 0.25), 6);
    expect(squaredHingeSum(scores, 3, [0, 0], [1, 4])).toBeCloseTo(4 * 0.5, 6);
  });

  it('the gradient matches finite differences of the weighted mean loss', () => {
    const s = new Float32Array(n * k);
    decisionValues(head, z, n, s);
    const gradient: BatchGradient = { weight: new Float64Array(k * p), bias: new Float64Array(k) };
    const { lossSum, correct } = squaredHingeGradient(head, z, s, labels, rowWeights, gradient);
    expect(lossSum / n).toBeCloseTo(meanLoss(head), 5);
    expect(correct).toBeGreaterThanOrEqual(0);
    const h = 1e-2;
    const probe = (array: Float32Array, index: number): number => {
      const saved = array[index];
      array[index] = saved + h;
      const up = meanLoss(head);
      array[index] = saved - h;
      const down = meanLoss(head);
      array[index] = saved;
      return (up - down) / (2 * h);
    };
    for (let j = 0; j < k * p; j++) expect(gradient.weight[j]).toBeCloseTo(probe(head.weight, j), 2);
    for (let c = 0; c < k; c++) expect(gradient.bias[c]).toBeCloseTo(probe(head.bias, c), 2);
  });
});
