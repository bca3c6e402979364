import { usageError } from '../errors.js';

export interface TimeSplit {
  train: Int32Array;
  test: Int32Array;
  /** Latest training time and earliest test time, epoch seconds. */
  trainEnd: number;
  testStart: number;
}

/**
 * Where the time-split's cut falls: after the earliest `trainFraction` of the ROWS (the default), or at the
 * `trainFraction` mark of the ELAPSED time between the first and the last row. They differ when traffic is
 * bursty: in the IoT-23 capture a DDoS burst in hour 18 of 24 is 62 % of all connections, so a cut by rows
 * lands inside the burst and a cut by elapsed time leaves the whole burst to the test part.
 */
export const TIME_SPLIT_BY = ['rows', 'elapsed'] as const;
export type TimeSplitBy = (typeof TIME_SPLIT_BY)[number];

/**
 * The time-split protocol: rows ordered by time, the earliest `trainFraction` of them (or of the elapsed
 * time, see TimeSplitBy) train and the rest test, so the model is scored on a later period than it learned
 * from, as it would be when deployed. The cut falls between two distinct instants: rows sharing the boundary
 * timestamp all stay in training, so no instant is on both sides. Index order inside each part is by time
 * (stable for ties).
 */
export function timeSplit(
  timestamps: Float64Array,
  trainFraction: number,
  by: TimeSplitBy = 'rows',
): TimeSplit {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw usageError(`training fraction must be between 0 and 1 (exclusive), got ${trainFraction}`);
  }
  const n = timestamps.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => timestamps[a] - timestamps[b] || a - b,
  );
  let cut = Math.max(
    1,
    by === 'rows' ? Math.floor(n * trainFraction) : elapsedCut(timestamps, order, trainFraction),
  );
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

/** How many rows (in time order) fall at or before the `trainFraction` mark of the elapsed time. */
function elapsedCut(timestamps: Float64Array, order: Int32Array, trainFraction: number): number {
  const n = order.length;
  if (n === 0) return 0;
  const first = timestamps[order[0]];
  const mark = first + (timestamps[order[n - 1]] - first) * trainFraction;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[order[mid]] <= mark) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
