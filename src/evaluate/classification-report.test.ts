import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { formatClassificationReport, formatFixed } from './classification-report.js';

const yTrue = [0, 1, 2, 2, 2];
const yPred = [0, 0, 2, 2, 1];
const names = ['class 0', 'class 1', 'class 2'];

describe('formatClassificationReport', () => {
  it('reproduces the classification_report example of the scikit-learn documentation', () => {
    const expected = [
      '              precision    recall  f1-score   support',
      '',
      '     class 0       0.50      1.00      0.67         1',
      '     class 1       0.00      0.00      0.00         1',
      '     class 2       1.00      0.67      0.80         3',
      '',
      '    accuracy                           0.60         5',
      '   macro avg       0.50      0.56      0.49         5',
      'weighted avg       0.70      0.60      0.61         5',
      '',
    ].join('\n');
    expect(formatClassificationReport(names, yTrue, yPred, 2)).toBe(expected);
  });

  it('prints four digits by default', () => {
    const lines = formatClassificationReport(names, yTrue, yPred).split('\n');
    // class 2: precision 1, recall 2/3, f1 0.8; macro: 0.5, 5/9, 22/45; weighted f1: (2/3 + 3·0.8) / 5
    expect(lines[4]).toBe('     class 2     1.0000    0.6667    0.8000         3');
    expect(lines[6]).toBe('    accuracy                         0.6000         5');
    expect(lines[7]).toBe('   macro avg     0.5000    0.5556    0.4889         5');
    expect(lines[8]).toBe('weighted avg     0.7000    0.6000    0.6133         5');
  });

  it('widens the name column for long class names', () => {
    const report = formatClassificationReport(['normal', 'denial-of-service'], [0, 1, 1], [0, 1, 0], 2);
    const lines = report.split('\n');
    expect(lines[2]).toBe('           normal       0.50      1.00      0.67         1');
    expect(lines[3]).toBe('denial-of-service       1.00      0.50      0.67         2');
    expect(lines.every((line) => line === '' || line.length === lines[0].length)).toBe(true);
  });

  it('rejects bad digits and an empty class list', () => {
    expect(() => formatClassificationReport(names, yTrue, yPred, -1)).toThrow(IotIdsError);
    expect(() => formatClassificationReport([], [], [])).toThrow(/at least one class/);
  });
});

describe('formatFixed', () => {
  it('rounds exact ties half to even, like Python, and everything else to nearest', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12');
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect(formatFixed(1 / 32, 4)).toBe('0.0312');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(3.5, 0)).toBe('4');
    expect(formatFixed(2 / 3, 2)).toBe('0.67');
    // 0.615 is stored just below the tie, so it is not one: Python prints 0.61 as well.
    expect(formatFixed(0.615, 2)).toBe('0.61');
    expect(formatFixed(1, 4)).toBe('1.0000');
  });
});
