import { BiGruPass } from './bigru-pass.js';
import { GruKernelPass, gruKernelSupports } from './gru-kernel.js';
import type { BiGruParameters } from './parameters.js';

/** What a training stage uses of a pass: forward, backward, the gradients it fills. */
export type BiGruTrainingPass = Pick<BiGruPass, 'gradients' | 'capacity' | 'forward' | 'backward'>;

/**
 * The training pass for `params`: the WebAssembly kernel (GruKernelPass, ≈ 3× faster at 32 units, batch
 * 256) when it handles the network (reset-after gates, units a multiple of 4: the defaults), else the
 * TypeScript pass over the engine's matrix product.
 */
export function trainingPass(params: BiGruParameters, capacity: number): BiGruTrainingPass {
  return gruKernelSupports(params.shape)
    ? new GruKernelPass(params, capacity)
    : new BiGruPass(params, capacity, true);
}
