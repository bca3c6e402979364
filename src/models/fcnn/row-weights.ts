import { classWeightedRows } from '../class-weights.js';
import type { FcnnOptions } from './options.js';

/**
 * The per-row loss weights the FCNN trains with: none, 'balanced', or 'balanced' tempered by
 * `classWeightPower` / `classWeightMax` — the rule every model with class weights shares.
 */
export function fcnnRowWeights(o: FcnnOptions, y: Int32Array, nClasses: number): Float32Array | null {
  return classWeightedRows('fcnn', o, y, nClasses);
}
