import { IotIdsError } from '../../errors.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { DenseLayer } from './dense-chain.js';

/** A Dense layer with its name in weight files (`<prefix><name>/kernel`, `<prefix><name>/bias`). */
export type NamedLayer = readonly [name: string, layer: DenseLayer];

/** Copies of the kernels (`[inputs, units]`) and biases, names prefixed with `prefix`. */
export function layersToWeights(layers: readonly NamedLayer[], prefix: string): NamedWeights {
  const weights: NamedWeights = {};
  for (const [name, l] of layers) {
    weights[`${prefix}${name}/kernel`] = { shape: [l.inputs, l.units], data: l.kernel.slice() };
    weights[`${prefix}${name}/bias`] = { shape: [l.units], data: l.bias.slice() };
  }
  return weights;
}

/** Copies the named values into the layers; every weight must be present with its exact shape. */
export function assignLayers(
  layers: readonly NamedLayer[],
  weights: NamedWeights,
  prefix: string,
  source: string,
): void {
  for (const [name, l] of layers) {
    readInto(weights, `${prefix}${name}/kernel`, [l.inputs, l.units], l.kernel, source);
    readInto(weights, `${prefix}${name}/bias`, [l.units], l.bias, source);
  }
}

/** The `[inputs, units]` shape of `<prefix><name>/kernel`, with an error naming it when absent. */
export function kernelShape(weights: NamedWeights, key: string, source: string): readonly [number, number] {
  const w = weights[key] as NamedWeights[string] | undefined;
  if (w?.shape.length !== 2) {
    throw new IotIdsError(`weight "${key}" is missing or not a matrix`, {
      location: { file: source, field: key },
    });
  }
  return [w.shape[0], w.shape[1]];
}

function readInto(
  weights: NamedWeights,
  key: string,
  shape: readonly number[],
  target: Float32Array,
  source: string,
): void {
  const w = weights[key] as NamedWeights[string] | undefined;
  if (w === undefined) {
    throw new IotIdsError(`weight "${key}" is missing`, { location: { file: source, field: key } });
  }
  if (
    w.shape.length !== shape.length ||
    w.shape.some((size, i) => size !== shape[i]) ||
    w.data.length !== target.length
  ) {
    throw new IotIdsError(
      `weight "${key}" has shape [${w.shape.join(', ')}], the network needs [${shape.join(', ')}] (different layer sizes, features or classes?)`,
      { location: { file: source, field: key } },
    );
  }
  target.set(w.data);
}
