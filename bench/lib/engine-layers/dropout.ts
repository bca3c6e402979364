/**
 * Inverted dropout with the mask drawn in JS from the project's `Random`, so it is seeded independently of
 * `Math.random` and costs one kernel (a multiply) instead of tfjs's six (random uniform, compare, cast,
 * scale, …). The tape differentiates the multiply: the gradient is the same mask.
 */
import { ops, type Tensor } from '../../../src/engine/index.js';

import { IotIdsError } from '../../../src/errors.js';
import type { Random } from '../../../src/util/random.js';

/**
 * Zeroes each element of `x` with probability `rate` and scales the survivors by 1 / (1 − rate).
 * `rate` is honoured to 1/65536: each 32-bit draw decides two elements, halving the cost of the mask.
 */
export function dropout<T extends Tensor>(x: T, rate: number, random: Random): T {
  if (!(rate >= 0 && rate < 1)) throw new IotIdsError(`dropout: rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  const mask = dropoutMask(x.size, rate, random);
  return ops.tidy(() => ops.mul(x, ops.tensor(mask, x.shape, 'float32')));
}

/** The mask values: 0 or 1 / (1 − rate). */
export function dropoutMask(size: number, rate: number, random: Random): Float32Array {
  const mask = new Float32Array(size);
  const keep = 1 / (1 - rate);
  const threshold = Math.round(rate * 65536);
  for (let i = 0; i < size; i += 2) {
    const bits = random.nextUint32();
    if ((bits & 0xffff) >= threshold) mask[i] = keep;
    if (i + 1 < size && bits >>> 16 >= threshold) mask[i + 1] = keep;
  }
  return mask;
}
