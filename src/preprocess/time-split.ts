import { usageError } from '../errors.js';

export interface TimeSplit {
  train: Int32Array;
  test: Int32Array;
  /** Latest training time and earliest test time, epoch seconds. */
  trainEnd: number;
  testStart: number;
}

/**
 * The time-split protocol: rows ordered by time, the earliest `trainFraction` of them train and the rest
 * test, so the model is scored on a later period than it learned from, as it would be when deployed. The cut
 * falls between two distinct instants: rows sharing the boundary timestamp all stay in training, so no
 * instant is on both sides. Index order inside each part is by time (stable for ties).
 */
export function timeSplit(timestamps: Float64Array, trainFraction: number): TimeSplit {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw usageError(`training fraction must be between 0 and 1 (exclusive), got ${trainFraction}`);
  }
  const n = timestamps.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => timestamps[a] - timestamps[b] || a - b,
  );
  let cut = Math.max(1, Math.floor(n * trainFraction));
  while (cut < n && timestamps[order[cut]] === timestamps[order[cut - 1]]) cut++;
  if (cut >= n) {
    throw usageError(
      `time-split: every row from the ${Math.round(trainFraction * 100)} % mark onwards has the same time, so nothing is left to test on; use a smaller training fraction or another protocol`,
    );
  }
  return {
    train: order.slice(0, cut),
    test: order.slice(cut),
    trainEnd: timestamps[order[cut - 1]],
    testStart: timestamps[order[cut]],
  };
}
