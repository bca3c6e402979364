import { IotIdsError } from '../errors.js';

/**
 * The one-sided upper confidence bound on a Poisson mean from `k` observed events (the exact, Garwood
 * bound): the mean λ at which seeing `k` or fewer events has probability `1 − confidence`. With 0 events
 * it is −ln(1 − confidence), about 3.0 at 95 %: no false alert in T hours bounds the rate at 3/T per hour.
 */
export function poissonUpperBound(k: number, confidence = 0.95): number {
  if (!Number.isInteger(k) || k < 0) {
    throw new IotIdsError(`poissonUpperBound: the event count must be a non-negative integer, not ${k}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new IotIdsError(`poissonUpperBound: the confidence must be in (0, 1), not ${confidence}`);
  }
  const tail = 1 - confidence;
  if (k === 0) return -Math.log(tail);
  // P(X ≤ k; λ) falls as λ grows: bisect between k (where it is above one half) and a bound far past it.
  let lo = k;
  let hi = k + 10 * Math.sqrt(k + 1) + 10;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (poissonCdf(k, mid) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(X ≤ k) for X ~ Poisson(λ), summed in log space so large λ does not underflow the first term. */
export function poissonCdf(k: number, lambda: number): number {
  let logTerm = -lambda; // log P(X = 0)
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(lambda) - Math.log(i);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}
