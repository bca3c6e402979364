import { usageError } from '../errors.js';
import { Random } from '../util/random.js';
import { classCounts, rowsByClass } from './class-counts.js';

/**
 * Splits row indices so every class keeps its proportion: a class of n rows puts round(n × testFraction)
 * rows in `test`, but a class with at least 2 rows always lands on both sides (so no class vanishes from
 * either part) and a class with a single row stays in `train`. Each part is shuffled; the same `y`,
 * fraction and seed always give the same split.
 */
export function stratifiedSplit(
  y: Int32Array,
  testFraction: number,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw usageError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const counts = classCounts(y);
  const random = new Random(seed);
  const testSizes = Array.from(counts, (n) => testRowsFor(n, testFraction));
  const nTest = testSizes.reduce((sum, n) => sum + n, 0);
  const train = new Int32Array(y.length - nTest);
  const test = new Int32Array(nTest);
  let trainFilled = 0;
  let testFilled = 0;
  rowsByClass(y, counts).forEach((rows, c) => {
    random.shuffle(rows);
    test.set(rows.subarray(0, testSizes[c]), testFilled);
    train.set(rows.subarray(testSizes[c]), trainFilled);
    testFilled += testSizes[c];
    trainFilled += rows.length - testSizes[c];
  });
  random.shuffle(train);
  random.shuffle(test);
  return { train, test };
}

function testRowsFor(n: number, testFraction: number): number {
  if (n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
}
