import { IotIdsError } from '../errors.js';
import type { LabelledSplit } from '../data/labelled-split.js';
import type { ProtocolName } from '../data/schema.js';

/** Above this share of test rows that also occur in training, the score is called memorisation. */
export const OVERLAP_WARNING_FRACTION = 0.1;
/** With fewer training rows than this, a small column can separate the classes by chance. */
const MIN_ROWS_FOR_LEAK = 50;

/**
 * Feature columns that give the answer away: a categorical column whose value is the raw label in every row,
 * or any column whose values stand one-to-one for the classes, one value per class and one class per value
 * (TON_IoT's 0/1 `label` next to its `type` label in the binary task). A many-valued column that happens to
 * separate the classes (an id, a timestamp) is not flagged: that is over-fitting, not a copy of the label.
 * Returns one description per such column.
 */
export function findLabelLeaks(train: LabelledSplit): string[] {
  const n = train.table.nRows;
  if (n < MIN_ROWS_FOR_LEAK) return [];
  const leaks: string[] = [];
  const label = train.table.label;
  const nClasses = new Set(train.y).size;
  for (const column of train.table.features) {
    if (column.kind === 'categorical') {
      let equal = true;
      for (let i = 0; i < n && equal; i++) {
        equal = column.categories[column.codes[i]] === label.categories[label.codes[i]];
      }
      if (equal) {
        leaks.push(`column "${column.name}" repeats the label in every row`);
        continue;
      }
    }
    const classOfValue = new Map<number | string, number>();
    let determines = true;
    for (let i = 0; i < n && determines; i++) {
      const value = column.kind === 'numeric' ? column.values[i] : column.codes[i];
      const seen = classOfValue.get(value);
      if (seen === undefined) {
        classOfValue.set(value, train.y[i]);
        determines = classOfValue.size <= nClasses;
      } else if (seen !== train.y[i]) determines = false;
    }
    if (determines && classOfValue.size >= 2 && new Set(classOfValue.values()).size === classOfValue.size) {
      const mapping = [...classOfValue.entries()]
        .slice(0, 4)
        .map(([value, c]) => {
          const shown = column.kind === 'numeric' ? String(value) : column.categories[value as number];
          return `${shown} → ${train.classes[c]}`;
        })
        .join(', ');
      leaks.push(`column "${column.name}" determines the class exactly (${mapping})`);
    }
  }
  return leaks;
}

/** Refuses a run whose features contain the answer. */
export function refuseLabelLeaks(train: LabelledSplit, datasetName: string): void {
  const leaks = findLabelLeaks(train);
  if (leaks.length === 0) return;
  throw new IotIdsError(
    `label leakage in dataset "${datasetName}": ${leaks.join('; ')}. A model would learn to read the answer ` +
      'instead of detecting attacks; give such columns the type "ignore" in the schema',
    { kind: 'usage', location: { file: train.path } },
  );
}

/** The plain-words warning for a test split that repeats many training rows, or undefined below 10 %. */
export function overlapWarning(
  split: string,
  overlap: number,
  testRows: number,
  protocol: ProtocolName,
): string | undefined {
  if (testRows === 0 || overlap / testRows <= OVERLAP_WARNING_FRACTION) return undefined;
  const percent = ((100 * overlap) / testRows).toFixed(1);
  const advice =
    protocol === 'official'
      ? 'The official test file itself repeats training rows; quote this figure next to the score'
      : protocol === 'random-split'
        ? 'Use --dedup before-split, or the group-split or time-split protocol'
        : 'Use --dedup before-split to remove repeated rows before the split';
  return (
    `${split}: ${overlap.toLocaleString('en-US')} of ${testRows.toLocaleString('en-US')} test rows (${percent} %) ` +
    `also occur in the training data, so the score on them measures memorisation, not detection of new traffic. ${advice}.`
  );
}
