import { subsetSplit, type LabelledSplit } from './labelled-split.js';

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
