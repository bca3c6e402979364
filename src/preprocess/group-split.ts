import { usageError } from '../errors.js';
import { Random } from '../util/random.js';

export interface GroupSplit {
  train: Int32Array;
  test: Int32Array;
  /** Group codes (indices into the group dictionary) on each side. */
  trainGroups: number[];
  testGroups: number[];
}

/**
 * The group-split protocol: whole groups (devices, source addresses) go to one side, so the model is scored
 * on devices it never saw. Groups are shuffled with `seed` and moved to the test side until it holds at
 * least `testFraction` of the rows; at least one group stays on each side.
 */
export function groupSplit(groupCodes: Int32Array, testFraction: number, seed: number): GroupSplit {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw usageError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const sizes = new Map<number, number>();
  for (const g of groupCodes) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const groups = [...sizes.keys()].sort((a, b) => a - b);
  if (groups.length < 2) {
    throw usageError(
      `group-split needs at least two groups, found ${groups.length}; use time-split or another group column`,
    );
  }
  new Random(seed).shuffle(groups);
  const wanted = testFraction * groupCodes.length;
  const testGroups: number[] = [];
  let testRows = 0;
  while (testRows < wanted && testGroups.length < groups.length - 1) {
    const g = groups[testGroups.length];
    testGroups.push(g);
    testRows += sizes.get(g) ?? 0;
  }
  const inTest = new Set(testGroups);
  const train: number[] = [];
  const test: number[] = [];
  groupCodes.forEach((g, i) => (inTest.has(g) ? test : train).push(i));
  return {
    train: Int32Array.from(train),
    test: Int32Array.from(test),
    trainGroups: groups.filter((g) => !inTest.has(g)),
    testGroups,
  };
}
