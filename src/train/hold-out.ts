import { IotIdsError } from '../errors.js';
import { subsetSplit, type LabelledSplit } from '../data/labelled-split.js';
import type { ProtocolName } from '../data/schema.js';
import { formatTimestamp } from '../data/timestamp.js';
import { groupSplit } from '../preprocess/group-split.js';
import { stratifiedSplit } from '../preprocess/stratified-split.js';
import { timeSplit, type TimeSplitBy } from '../preprocess/time-split.js';

export type OneFileProtocol = Exclude<ProtocolName, 'official'>;

/** Default share of the rows each one-file protocol tests on. */
export const DEFAULT_TEST_FRACTION: Readonly<Record<OneFileProtocol, number>> = {
  'random-split': 0.2,
  'time-split': 0.3,
  'group-split': 0.3,
};

export interface HeldOut {
  train: LabelledSplit;
  test: LabelledSplit;
  /** One sentence on where the cut fell (time range, groups), for the console and the protocol description. */
  detail: string;
}

/**
 * Divides one loaded file into training and test rows for the one-file protocols. Only row indices are
 * decided here; nothing is fitted, so every later choice still sees training rows only.
 */
export function holdOut(
  source: LabelledSplit,
  protocol: OneFileProtocol,
  options: { testFraction?: number; seed: number; timeSplitBy?: TimeSplitBy },
): HeldOut {
  const fraction = options.testFraction ?? DEFAULT_TEST_FRACTION[protocol];
  const percent = Math.round(fraction * 100);
  const name = source.name;
  if (protocol === 'random-split') {
    const parts = stratifiedSplit(source.y, fraction, options.seed);
    return {
      train: subsetSplit(source, parts.train, name),
      test: subsetSplit(source, parts.test, `${name} (random ${percent}% hold-out)`),
      detail: `random stratified ${percent} % of ${name} held out`,
    };
  }
  if (protocol === 'time-split') {
    const timestamps = source.table.timestamps;
    if (!timestamps) throw missing(source, 'time-split', 'time columns');
    const by = options.timeSplitBy ?? 'rows';
    const parts = timeSplit(timestamps, 1 - fraction, by);
    const latest = by === 'rows' ? `latest ${percent}% by time` : `latest ${percent}% of the elapsed time`;
    return {
      train: subsetSplit(source, parts.train, name),
      test: subsetSplit(source, parts.test, `${name} (${latest})`),
      detail:
        `training rows up to ${formatTimestamp(parts.trainEnd)}, test rows from ${formatTimestamp(parts.testStart)} ` +
        `(${parts.train.length} and ${parts.test.length} rows)`,
    };
  }
  const groups = source.table.groups;
  if (!groups) throw missing(source, 'group-split', 'a group column');
  const parts = groupSplit(groups.codes, fraction, options.seed);
  const names = (codes: number[]): string => {
    const shown = codes.slice(0, 8).map((c) => groups.categories[c]);
    return codes.length > 8 ? `${shown.join(', ')}, … (${codes.length} in all)` : shown.join(', ');
  };
  return {
    train: subsetSplit(source, parts.train, name),
    test: subsetSplit(source, parts.test, `${name} (held-out ${groups.name} groups)`),
    detail: `${groups.name} values for training: ${names(parts.trainGroups)}; for testing: ${names(parts.testGroups)}`,
  };
}

function missing(source: LabelledSplit, protocol: string, what: string): IotIdsError {
  return new IotIdsError(`${protocol} needs ${what} in the schema, and ${source.name} has none`, {
    kind: 'usage',
    location: { file: source.path },
  });
}
