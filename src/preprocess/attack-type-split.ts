import { IotIdsError, usageError } from '../errors.js';
import { Random } from '../util/random.js';

/** Which rows validate, and what was held out of each class. */
export interface AttackTypeSplit {
  train: Int32Array;
  test: Int32Array;
  /** Per class: the raw labels held out whole (empty for a class split by random rows). */
  heldOutTypes: string[][];
  /** Classes with a single raw label, whose validation rows are a random share instead (the fallback). */
  randomRowClasses: number[];
}

/**
 * Leave-attack-type-out: validation rows are whole raw labels (attack types) of each class, so a model is
 * judged on attack types it never saw — the shift from KDDTrain+ to KDDTest+, whose test rows are in good
 * part of attack types absent from training. For each class, its raw labels are taken in a seeded random
 * order and held out while the held-out rows stay under `testFraction` of the class, never past half of it
 * (so one dominant type such as neptune is never taken) and never all its types; at least one type is
 * always held out of a class with two or more. A class with a single raw label (normal, typically) cannot
 * lose a whole type: its validation rows are a random `testFraction` of its rows, and it is listed in
 * `randomRowClasses` so the caller reports the fallback. A class left with no validation rows (a single
 * row) is an error: its validation figures would measure nothing.
 */
export function leaveAttackTypeOutSplit(
  y: Int32Array,
  rawLabels: Int32Array,
  labelNames: readonly string[],
  classNames: readonly string[],
  testFraction: number,
  seed: number,
): AttackTypeSplit {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw usageError(`validation fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  if (rawLabels.length !== y.length) {
    throw new IotIdsError(`${rawLabels.length} raw labels for ${y.length} rows`);
  }
  const nClasses = classNames.length;
  // counts[c] maps raw label code → rows of class c with it.
  const counts: Map<number, number>[] = Array.from({ length: nClasses }, () => new Map<number, number>());
  for (let i = 0; i < y.length; i++) {
    const byType = counts[y[i]];
    byType.set(rawLabels[i], (byType.get(rawLabels[i]) ?? 0) + 1);
  }
  const random = new Random(seed);
  const heldOut = new Set<number>();
  const heldOutTypes: string[][] = [];
  const randomRowClasses: number[] = [];
  counts.forEach((byType, c) => {
    const total = [...byType.values()].reduce((sum, n) => sum + n, 0);
    if (byType.size < 2) {
      heldOutTypes.push([]);
      if (total > 0) randomRowClasses.push(c);
      return;
    }
    const types = [...byType.keys()].sort((a, b) => (labelNames[a] < labelNames[b] ? -1 : 1));
    random.shuffle(types);
    const target = testFraction * total;
    let held = 0;
    const taken: string[] = [];
    for (const type of types) {
      const n = byType.get(type) ?? 0;
      if (held + n > total / 2) continue;
      heldOut.add(type * nClasses + c);
      taken.push(labelNames[type]);
      held += n;
      if (held >= target) break;
    }
    heldOutTypes.push(taken.sort());
  });

  const randomRows = new Set(randomRowClasses);
  const byClass: number[][] = Array.from({ length: nClasses }, () => []);
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < y.length; i++) {
    if (randomRows.has(y[i])) byClass[y[i]].push(i);
    else if (heldOut.has(rawLabels[i] * nClasses + y[i])) test.push(i);
    else train.push(i);
  }
  for (const c of randomRowClasses) {
    const rows = random.shuffle(byClass[c]);
    const n = Math.min(rows.length - 1, Math.round(rows.length * testFraction));
    test.push(...rows.slice(0, n));
    train.push(...rows.slice(n));
  }
  const testCounts = new Int32Array(nClasses);
  for (const i of test) testCounts[y[i]]++;
  counts.forEach((byType, c) => {
    if (byType.size > 0 && testCounts[c] === 0) {
      throw usageError(
        `leave-attack-type-out validation leaves class "${classNames[c]}" with no validation rows ` +
          `(it has ${[...byType.values()].reduce((s, n) => s + n, 0)} training row(s) of one label); ` +
          `use the random validation scheme or more training data`,
      );
    }
  });
  return {
    train: random.shuffle(Int32Array.from(train)),
    test: random.shuffle(Int32Array.from(test)),
    heldOutTypes,
    randomRowClasses,
  };
}
