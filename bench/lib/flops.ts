/**
 * Floating-point operations of the matrix products a network needs (2 per multiply-add), the same count for
 * every implementation: what a benchmark's time is divided by to read it as a fraction of the machine's
 * peak (bench/peak). Element-wise work (activations, BatchNorm, losses, Adam) is not counted: it is small
 * in operations and large in time, which is exactly what the fraction of peak shows.
 */

/** [inputs, units] of one dense layer. */
export type LayerShape = readonly [inputs: number, units: number];

/** Inference: one product per layer. */
export function denseForwardFlops(rows: number, layers: readonly LayerShape[]): number {
  return layers.reduce((sum, [i, u]) => sum + 2 * rows * i * u, 0);
}

/**
 * Training: forward product and weight gradient for every layer, plus the input gradient for every layer
 * but the first (nothing needs the gradient of the data).
 */
export function denseTrainingFlops(rows: number, layers: readonly LayerShape[]): number {
  return layers.reduce((sum, [i, u], k) => sum + 2 * rows * i * u * (k === 0 ? 2 : 3), 0);
}

/**
 * Training a bidirectional GRU over `timesteps` steps: per step and direction the input product (forward +
 * weight gradient) and the recurrent product (forward, weight and state gradients), then the output layer.
 */
export function biGruTrainingFlops(
  rows: number,
  shape: { timesteps: number; featuresPerStep: number; units: number; classes: number },
): number {
  const { timesteps: t, featuresPerStep: f, units: h, classes: k } = shape;
  const perDirection = rows * t * (2 * 2 * f * 3 * h + 3 * 2 * h * 3 * h);
  return 2 * perDirection + denseTrainingFlops(rows, [[2 * h, k]]) + 2 * rows * 2 * h * k;
}
