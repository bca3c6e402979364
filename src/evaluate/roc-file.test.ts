import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { rocAucBinary } from './roc.js';
import { createMatrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import { buildRocFile, mergeRocFiles } from './roc-file.js';

function scored(n: number, classes: number, present = classes) {
  const random = new Random(3);
  const y = new Int32Array(n);
  const data = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    y[i] = i % present;
    for (let c = 0; c < classes; c++) data[i * classes + c] = random.next() + (c === y[i] ? 0.5 : 0);
  }
  return { y, scores: createMatrix(n, classes, data) };
}

describe('buildRocFile', () => {
  it('stores a thinned curve per class with the exact AUC over all rows', () => {
    const { y, scores } = scored(3000, 3);
    const file = buildRocFile(['a', 'b', 'c'], y, scores, 'test', 50);
    expect(Object.keys(file.splits)).toEqual(['test']);
    ['a', 'b', 'c'].forEach((name, c) => {
      const curve = file.splits.test[name];
      expect(curve.fpr.length).toBeLessThanOrEqual(50);
      expect(curve.fpr.length).toBe(curve.tpr.length);
      expect([curve.fpr[0], curve.tpr[0]]).toEqual([0, 0]);
      expect([curve.fpr.at(-1), curve.tpr.at(-1)]).toEqual([1, 1]);
      const column = Array.from({ length: 3000 }, (_, i) => scores.data[i * 3 + c]);
      expect(curve.auc).toBe(
        rocAucBinary(
          column,
          Array.from(y, (t) => (t === c ? 1 : 0)),
        ),
      );
    });
  });

  it('marks a class without rows with no curve and a null AUC, and survives JSON', () => {
    const { y, scores } = scored(300, 3, 2);
    const file = buildRocFile(['a', 'b', 'c'], y, scores, 'test');
    expect(file.splits.test.c).toEqual({ fpr: [], tpr: [], auc: null });
    expect(JSON.parse(JSON.stringify(file))).toEqual(file);
  });

  it('checks the shapes', () => {
    const { y, scores } = scored(30, 3);
    expect(() => buildRocFile(['a', 'b'], y, scores, 'test')).toThrow(IotIdsError);
    expect(() => buildRocFile(['a', 'b', 'c'], y.subarray(1), scores, 'test')).toThrow(IotIdsError);
  });
});

describe('mergeRocFiles', () => {
  it('combines splits and refuses one split twice', () => {
    const { y, scores } = scored(60, 2);
    const one = buildRocFile(['a', 'b'], y, scores, 'KDDTest+');
    const two = buildRocFile(['a', 'b'], y, scores, 'KDDTest-21');
    expect(Object.keys(mergeRocFiles(one, two).splits)).toEqual(['KDDTest+', 'KDDTest-21']);
    expect(() => mergeRocFiles(one, one)).toThrow(/KDDTest\+/);
  });
});
