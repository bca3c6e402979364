import { ops, type GradSaveFunc, type Tensor } from '../../../src/engine/index.js';

export interface CustomGradientResult<T extends Tensor> {
  value: T;
  /** One gradient per input, in input order. */
  gradFunc: (dy: T, saved: Tensor[]) => Tensor[];
}

/** `tf.customGrad` with typed inputs (tfjs types the wrapped function as variadic `Tensor | GradSaveFunc`). */
export function customGradient<Inputs extends Tensor[], T extends Tensor>(
  f: (...args: [...Inputs, GradSaveFunc]) => CustomGradientResult<T>,
): (...inputs: Inputs) => T {
  return ops.customGrad(f as unknown as Parameters<typeof ops.customGrad<T>>[0]);
}
