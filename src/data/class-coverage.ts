import { IotIdsError } from '../errors.js';
import { subsetSplit, type LabelledSplit } from './labelled-split.js';

export interface ClassCoverage {
  /** The classes the model is trained with, in the original order. */
  classes: string[];
  /** Task classes with no row in the data at all: dropped from the class list. */
  dropped: string[];
  /** Classes present only in the held-out part: kept, but the model has nothing to learn them from. */
  onlyInTest: string[];
  /** Classes with training rows but none in the held-out part: their test figures measure nothing. */
  absentFromTest: string[];
}

function counts(split: LabelledSplit, nClasses: number): Int32Array {
  const out = new Int32Array(nClasses);
  for (const c of split.y) out[c]++;
  return out;
}

/**
 * Which task classes a run keeps. A class with no row in the training data nor in the held-out part (a
 * taxonomy category the file never uses) is dropped, with a warning instead of a failure. A class seen only
 * in the held-out part stays, so its test rows are scored (and missed) honestly.
 */
export function classCoverage(train: LabelledSplit, heldOut?: LabelledSplit): ClassCoverage {
  const n = train.classes.length;
  const inTrain = counts(train, n);
  const inTest = heldOut ? counts(heldOut, n) : new Int32Array(n);
  const classes: string[] = [];
  const dropped: string[] = [];
  const onlyInTest: string[] = [];
  const absentFromTest: string[] = [];
  train.classes.forEach((name, c) => {
    if (heldOut && inTrain[c] > 0 && inTest[c] === 0) absentFromTest.push(name);
    if (inTrain[c] > 0) classes.push(name);
    else if (inTest[c] > 0) {
      classes.push(name);
      onlyInTest.push(name);
    } else dropped.push(name);
  });
  const trained = classes.filter((c) => !onlyInTest.includes(c));
  if (trained.length < 2) {
    throw new IotIdsError(
      `the training data of ${train.name} holds only ${trained.length === 0 ? 'no class' : `class "${trained[0]}"`}; a classifier needs rows of at least two classes`,
      { kind: 'usage', location: { file: train.path } },
    );
  }
  return { classes, dropped, onlyInTest, absentFromTest };
}

/**
 * The split relabelled to `classes` (a subset of its own, same order). Rows of a class not in the list are
 * removed and counted in `taskExcludedByLabel` under `class "<name>" (not trained)`.
 */
export function restrictClasses(split: LabelledSplit, classes: readonly string[]): LabelledSplit {
  if (classes.length === split.classes.length) return split;
  const newIndex = split.classes.map((c) => classes.indexOf(c));
  const keep: number[] = [];
  const removed: Record<string, number> = {};
  split.y.forEach((c, i) => {
    if (newIndex[c] >= 0) keep.push(i);
    else {
      const key = `class "${split.classes[c]}" (not trained)`;
      removed[key] = (removed[key] ?? 0) + 1;
    }
  });
  const kept = subsetSplit(split, Int32Array.from(keep), split.name);
  const y = Int32Array.from(kept.y, (c) => newIndex[c]);
  const nRemoved = split.y.length - keep.length;
  return {
    ...kept,
    y,
    classes: [...classes],
    cleaning: {
      ...split.cleaning,
      taskExcluded: split.cleaning.taskExcluded + nRemoved,
      taskExcludedByLabel: { ...split.cleaning.taskExcludedByLabel, ...removed },
    },
  };
}
