import type { AlertGroupWrite } from '../alert-store.js';

/** A one-class alert group from `sourceKey` whose records were all scored at `time` (ms), in its 60 s window. */
export function alertAt(sourceKey: string, time: number, count = 1): AlertGroupWrite {
  return {
    class: 'dos',
    sourceKey,
    windowStart: time - (time % 60_000),
    firstTime: time,
    lastTime: time,
    count,
    probability: 0.9,
    maxProbability: 0.9,
    explanation: [],
    record: null,
    model: 'rf@test',
  };
}
