import { describe, expect, it } from 'vitest';
import { argmaxRows } from './estimator.js';
import { createMatrix } from '../preprocess/matrix.js';
import { softmaxRows } from './softmax-rows.js';

describe('softmaxRows', () => {
  it('turns margins into rows summing to 1, keeping the arg-max, without overflow', () => {
    const margins = createMatrix(3, 3, Float32Array.from([1, -1, 0, -2, 3, 2.5, 1000, 999, -1000]));
    const p = softmaxRows(margins);
    const expected = [1, -1, 0].map((v) => Math.exp(v) / (Math.exp(1) + Math.exp(-1) + 1));
    expected.forEach((e, j) => expect(p.data[j]).toBeCloseTo(e, 6));
    for (let i = 0; i < 3; i++)
      expect(p.data[i * 3] + p.data[i * 3 + 1] + p.data[i * 3 + 2]).toBeCloseTo(1, 6);
    expect(Array.from(argmaxRows(p))).toEqual(Array.from(argmaxRows(margins)));
    expect(p.data[6]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
  });
});
