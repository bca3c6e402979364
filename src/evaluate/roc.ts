import { IotIdsError } from '../errors.js';
import type { Matrix } from '../preprocess/matrix.js';

/** Points of a ROC curve, ordered by decreasing threshold (so fpr and tpr never decrease). */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Rows with score ≥ thresholds[i] are called positive at point i; the first threshold is +Infinity. */
  thresholds: number[];
}

/**
 * Exact area under the ROC curve: the probability that a random positive scores above a random negative,
 * ties counting one half (the Mann–Whitney U statistic over nPos·nNeg), which equals the trapezoidal area
 * under `rocCurve` and scikit-learn's `roc_auc_score`. `isPositive` holds `true`/`1` for positives and
 * `false`/`0` for negatives. Returns null when either class is absent, where the area is undefined.
 * O(n log n): both classes' scores are sorted as typed arrays and swept once.
 */
export function rocAucBinary(
  scores: ArrayLike<number>,
  isPositive: ArrayLike<boolean | number>,
): number | null {
  const { positives, negatives } = partitionScores(binaryInput(scores, isPositive));
  return areaFromSorted(positives, negatives);
}

/**
 * The ROC curve at every distinct score, like scikit-learn's `roc_curve(..., drop_intermediate=False)`:
 * it starts at (0, 0) with threshold +Infinity and ends at (1, 1) with the lowest score. Throws when either
 * class is absent, because one of the two rates would then be undefined.
 */
export function rocCurve(scores: ArrayLike<number>, isPositive: ArrayLike<boolean | number>): RocCurve {
  const { positives, negatives } = partitionScores(binaryInput(scores, isPositive));
  const nPos = positives.length;
  const nNeg = negatives.length;
  if (nPos === 0 || nNeg === 0) {
    throw new IotIdsError(`ROC curve needs both classes, got ${nPos} positive and ${nNeg} negative scores`);
  }
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let truePositives = 0;
  let falsePositives = 0;
  let i = nPos - 1;
  let j = nNeg - 1;
  while (i >= 0 || j >= 0) {
    const threshold = i < 0 ? negatives[j] : j < 0 ? positives[i] : Math.max(positives[i], negatives[j]);
    while (i >= 0 && positives[i] === threshold) {
      truePositives++;
      i--;
    }
    while (j >= 0 && negatives[j] === threshold) {
      falsePositives++;
      j--;
    }
    curve.fpr.push(falsePositives / nNeg);
    curve.tpr.push(truePositives / nPos);
    curve.thresholds.push(threshold);
  }
  return curve;
}

/**
 * One-vs-rest AUC of every class (column c of `scores` against `yTrue === c`). A class absent from `yTrue`
 * gets null, and the macro mean runs over the classes present; scikit-learn raises an error instead, but
 * a test split lacking a rare attack class should still be scored. `macro` is null when no class has an
 * AUC (fewer than two classes present).
 */
export function rocAucOneVsRest(
  yTrue: ArrayLike<number>,
  scores: Matrix,
): { perClass: (number | null)[]; macro: number | null } {
  if (yTrue.length !== scores.rows) {
    throw new IotIdsError(`yTrue has ${yTrue.length} labels but the score matrix has ${scores.rows} rows`);
  }
  for (let i = 0; i < yTrue.length; i++) {
    const label = yTrue[i];
    if (!Number.isInteger(label) || label < 0 || label >= scores.cols) {
      throw new IotIdsError(`yTrue[${i}] = ${label} is not a class index in [0, ${scores.cols})`);
    }
  }
  const perClass: (number | null)[] = [];
  let sum = 0;
  let present = 0;
  for (let c = 0; c < scores.cols; c++) {
    const { positives, negatives } = partitionScores({
      n: scores.rows,
      scoreAt: (i) => scores.data[i * scores.cols + c],
      isPositiveAt: (i) => yTrue[i] === c,
      describe: (i) => `score of row ${i}, class ${c}`,
    });
    const auc = areaFromSorted(positives, negatives);
    perClass.push(auc);
    if (auc !== null) {
      sum += auc;
      present++;
    }
  }
  return { perClass, macro: present === 0 ? null : sum / present };
}

/**
 * Thins a curve to at most `maxPoints` points for plotting, keeping its first and last points and its
 * shape: points are dropped one at a time by least visual importance (Visvalingam–Whyatt: the area of the
 * triangle a point makes with its neighbours), so collinear runs go first and corners stay.
 * O(n log n). Returns a copy even when nothing needs dropping.
 */
export function downsampleCurve(curve: RocCurve, maxPoints: number): RocCurve {
  const n = curve.fpr.length;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new IotIdsError(`a curve needs at least 2 points to keep, got maxPoints = ${maxPoints}`);
  }
  if (curve.tpr.length !== n || curve.thresholds.length !== n) {
    throw new IotIdsError(
      `curve arrays differ in length: fpr ${n}, tpr ${curve.tpr.length}, thresholds ${curve.thresholds.length}`,
    );
  }
  const kept = n <= maxPoints ? null : pointsToKeep(curve.fpr, curve.tpr, maxPoints);
  const pick = (values: number[]): number[] => (kept ? kept.map((i) => values[i]) : values.slice());
  return { fpr: pick(curve.fpr), tpr: pick(curve.tpr), thresholds: pick(curve.thresholds) };
}

interface BinaryInput {
  n: number;
  scoreAt: (i: number) => number;
  isPositiveAt: (i: number) => boolean;
  describe: (i: number) => string;
}

function binaryInput(scores: ArrayLike<number>, isPositive: ArrayLike<boolean | number>): BinaryInput {
  if (scores.length !== isPositive.length) {
    throw new IotIdsError(`${scores.length} scores but ${isPositive.length} positive/negative flags`);
  }
  for (let i = 0; i < isPositive.length; i++) {
    const flag = isPositive[i];
    if (flag !== true && flag !== false && flag !== 1 && flag !== 0) {
      throw new IotIdsError(`isPositive[${i}] = ${String(flag)} must be true, false, 1 or 0`);
    }
  }
  return {
    n: scores.length,
    scoreAt: (i) => scores[i],
    isPositiveAt: (i) => isPositive[i] === true || isPositive[i] === 1,
    describe: (i) => `scores[${i}]`,
  };
}

/** Scores of positives and of negatives, each sorted ascending (native numeric typed-array sort). */
function partitionScores(input: BinaryInput): { positives: Float64Array; negatives: Float64Array } {
  let nPos = 0;
  for (let i = 0; i < input.n; i++) {
    if (Number.isNaN(input.scoreAt(i))) {
      throw new IotIdsError(`${input.describe(i)} is NaN; ROC analysis needs a number for every row`);
    }
    if (input.isPositiveAt(i)) nPos++;
  }
  const positives = new Float64Array(nPos);
  const negatives = new Float64Array(input.n - nPos);
  let p = 0;
  let q = 0;
  for (let i = 0; i < input.n; i++) {
    if (input.isPositiveAt(i)) positives[p++] = input.scoreAt(i);
    else negatives[q++] = input.scoreAt(i);
  }
  return { positives: positives.sort(), negatives: negatives.sort() };
}

/**
 * Mann–Whitney U / (nPos·nNeg) from ascending scores. U is accumulated doubled (an integer) so the sum
 * stays exact for any realistic row count.
 */
function areaFromSorted(positives: Float64Array, negatives: Float64Array): number | null {
  const nPos = positives.length;
  const nNeg = negatives.length;
  if (nPos === 0 || nNeg === 0) return null;
  let doubledU = 0;
  let i = 0;
  let below = 0;
  while (i < nPos) {
    const value = positives[i];
    while (below < nNeg && negatives[below] < value) below++;
    let tiedNegatives = below;
    while (tiedNegatives < nNeg && negatives[tiedNegatives] === value) tiedNegatives++;
    let tiedPositives = 0;
    while (i < nPos && positives[i] === value) {
      tiedPositives++;
      i++;
    }
    doubledU += tiedPositives * (2 * below + (tiedNegatives - below));
    below = tiedNegatives;
  }
  return doubledU / (2 * nPos * nNeg);
}

/** Indices (ascending) of the points Visvalingam–Whyatt keeps. */
function pointsToKeep(x: readonly number[], y: readonly number[], maxPoints: number): number[] {
  const n = x.length;
  const previous = new Int32Array(n);
  const next = new Int32Array(n);
  const area = new Float64Array(n);
  const removed = new Uint8Array(n);
  const triangle = (a: number, b: number, c: number): number =>
    Math.abs((x[b] - x[a]) * (y[c] - y[a]) - (x[c] - x[a]) * (y[b] - y[a])) / 2;
  // Every removal re-queues at most two neighbours; stale entries are skipped when popped.
  const heap = new MinHeap(3 * n);
  for (let i = 0; i < n; i++) {
    previous[i] = i - 1;
    next[i] = i + 1;
  }
  for (let i = 1; i < n - 1; i++) {
    area[i] = triangle(i - 1, i, i + 1);
    heap.push(area[i], i);
  }
  let remaining = n;
  while (remaining > maxPoints) {
    const { key, item: i } = heap.pop();
    if (removed[i] || key !== area[i]) continue;
    removed[i] = 1;
    remaining--;
    const before = previous[i];
    const after = next[i];
    next[before] = after;
    previous[after] = before;
    if (before > 0) {
      area[before] = triangle(previous[before], before, after);
      heap.push(area[before], before);
    }
    if (after < n - 1) {
      area[after] = triangle(before, after, next[after]);
      heap.push(area[after], after);
    }
  }
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if (!removed[i]) kept.push(i);
  return kept;
}

/** Binary min-heap of (key, item) pairs in typed arrays, with a fixed capacity. */
class MinHeap {
  private readonly keys: Float64Array;
  private readonly items: Int32Array;
  private size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.items = new Int32Array(capacity);
  }

  push(key: number, item: number): void {
    let at = this.size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.keys[parent] <= key) break;
      this.keys[at] = this.keys[parent];
      this.items[at] = this.items[parent];
      at = parent;
    }
    this.keys[at] = key;
    this.items[at] = item;
  }

  pop(): { key: number; item: number } {
    if (this.size === 0) throw new IotIdsError('internal error: popped an empty heap');
    const top = { key: this.keys[0], item: this.items[0] };
    const lastKey = this.keys[--this.size];
    const lastItem = this.items[this.size];
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.keys[child + 1] < this.keys[child]) child++;
      if (this.keys[child] >= lastKey) break;
      this.keys[at] = this.keys[child];
      this.items[at] = this.items[child];
      at = child;
    }
    this.keys[at] = lastKey;
    this.items[at] = lastItem;
    return top;
  }
}
