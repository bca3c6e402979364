import { Random } from './random.js';

/**
 * The generator of one training epoch: depends on the seed and the epoch only, so a run resumed after
 * epoch k draws exactly what the uninterrupted run drew from epoch k + 1 on. (The VAE has its own, which
 * also separates its stages; changing either formula would change published figures.)
 */
export function epochRandom(seed: number, epoch: number): Random {
  return new Random((seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
}
