import { usageError } from '../../errors.js';
import { balancedRowWeights, rowWeights, temperedClassWeights } from '../class-weights.js';
import type { FcnnOptions } from './options.js';

/**
 * The per-row loss weights the FCNN trains with: none, 'balanced', or 'balanced' tempered by
 * `classWeightPower` / `classWeightMax` (untempered 'balanced' stays the exact arithmetic it always was).
 */
export function fcnnRowWeights(o: FcnnOptions, y: Int32Array, nClasses: number): Float32Array | null {
  const tempered = o.classWeightPower !== undefined || o.classWeightMax !== undefined;
  if (o.classWeight !== 'balanced') {
    if (tempered) throw usageError('fcnn: classWeightPower and classWeightMax need classWeight "balanced"');
    return null;
  }
  if (o.classWeightPower === undefined && o.classWeightMax === undefined)
    return balancedRowWeights(y, nClasses);
  return rowWeights(
    y,
    temperedClassWeights(y, nClasses, { power: o.classWeightPower, max: o.classWeightMax }),
  );
}
