import { tf } from '../../../src/engine/index.js';

export interface CustomGradientResult<T extends tf.Tensor> {
  value: T;
  /** One gradient per input, in input order. */
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[];
}

/** `tf.customGrad` with typed inputs (tfjs types the wrapped function as variadic `Tensor | GradSaveFunc`). */
export function customGradient<Inputs extends tf.Tensor[], T extends tf.Tensor>(
  f: (...args: [...Inputs, tf.GradSaveFunc]) => CustomGradientResult<T>,
): (...inputs: Inputs) => T {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad<T>>[0]);
}
