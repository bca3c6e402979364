import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { confusionMatrix } from './confusion.js';

describe('confusionMatrix', () => {
  it('counts a 3-class example worked out by hand (rows = true, columns = predicted)', () => {
    // true 0 → predicted 0,0,1,2; true 1 → 1,1,0; true 2 → 2,2,1
    const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    const yPred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
  });

  it('matches the confusion_matrix example of the scikit-learn documentation', () => {
    // y_true = [2, 0, 2, 2, 0, 1], y_pred = [0, 0, 2, 2, 0, 2] → [[2, 0, 0], [0, 0, 1], [1, 0, 2]]
    const matrix = confusionMatrix(
      Int32Array.from([2, 0, 2, 2, 0, 1]),
      Int32Array.from([0, 0, 2, 2, 0, 2]),
      3,
    );
    expect(matrix).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
  });

  it('keeps rows and columns of classes that never occur, and sums to the row count', () => {
    const matrix = confusionMatrix([0, 0, 2], [0, 2, 2], 4);
    expect(matrix).toEqual([
      [1, 0, 1, 0],
      [0, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('gives an all-zero matrix for no rows', () => {
    expect(confusionMatrix([], [], 2)).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('rejects mismatched lengths, labels out of range and a bad class count', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(IotIdsError);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(
      /yTrue\[1\] = 2 is not a class index in \[0, 2\)/,
    );
    expect(() => confusionMatrix([0, 1], [0, -1], 2)).toThrow(/yPred\[1\] = -1/);
    expect(() => confusionMatrix([0, 1], [0, 0.5], 2)).toThrow(IotIdsError);
    expect(() => confusionMatrix([], [], 0)).toThrow(/at least one class/);
  });
});
