/**
 * The dense autoencoder behind zero-day mode: inputs → hidden units → bottleneck → mirrored hidden units →
 * inputs (e.g. 122 → 32 → 8 → 32 → 122). Hidden layers are ReLU, the bottleneck is linear (a ReLU code of
 * 8 units loses whole dimensions when a unit dies) and the output is a sigmoid, since every feature the
 * pipeline produces lies in [0, 1]. The loss is the mean squared reconstruction error.
 */
import { predictInBatches, ops, type Tensor, type Tensor2D, type Variable } from '../../engine/index.js';
import { IotIdsError, usageError } from '../../errors.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Random } from '../../util/random.js';
import { VariableAdam } from '../variable-adam.js';

export class AutoencoderNetwork {
  /** Units per layer, input and output included, e.g. [122, 32, 8, 32, 122]. */
  readonly layerSizes: readonly number[];
  /** Kernels then biases, each under its weight-file name (tfjs's own variable names are per process). */
  private readonly parameters: readonly { readonly name: string; readonly variable: Variable }[];
  private optimizer: VariableAdam | undefined;

  private constructor(layerSizes: readonly number[], initial: NamedWeights) {
    this.layerSizes = layerSizes;
    const names = parameterNames(layerSizes.length - 1);
    this.parameters = names.map((name) => ({
      name,
      // tidy disposes the initial tensor; the variable (a copy) survives it.
      variable: ops.tidy(() =>
        ops.variable(ops.tensor(initial[name].data, [...initial[name].shape], 'float32')),
      ),
    }));
  }

  /** `hiddenUnits` lists the encoder's layers down to the bottleneck; the decoder mirrors them. */
  static create(inputs: number, hiddenUnits: readonly number[], random: Random): AutoencoderNetwork {
    const sizes = layerSizesFor(inputs, hiddenUnits);
    const initial: NamedWeights = {};
    for (let layer = 0; layer + 1 < sizes.length; layer++) {
      const [fanIn, fanOut] = [sizes[layer], sizes[layer + 1]];
      // Glorot uniform, drawn from the model's own generator so the seed alone fixes the network.
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const values = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < values.length; i++) values[i] = (2 * random.next() - 1) * limit;
      initial[kernelName(layer)] = { shape: [fanIn, fanOut], data: values };
      initial[biasName(layer)] = { shape: [fanOut], data: new Float32Array(fanOut) };
    }
    return new AutoencoderNetwork(sizes, initial);
  }

  /** A network of the given shape holding `weights` (as `getWeights` returned them); `source` names the file. */
  static fromWeights(
    inputs: number,
    hiddenUnits: readonly number[],
    weights: NamedWeights,
    source: string,
  ): AutoencoderNetwork {
    const sizes = layerSizesFor(inputs, hiddenUnits);
    checkWeights(weights, sizes, source);
    return new AutoencoderNetwork(sizes, weights);
  }

  get inputs(): number {
    return this.layerSizes[0];
  }

  private get variables(): Variable[] {
    return this.parameters.map((p) => p.variable);
  }

  /** Reconstructions of a `[b, inputs]` batch. */
  reconstruct(xs: Tensor): Tensor2D {
    return this.forward(xs, this.layerSizes.length - 1);
  }

  /** The first `through` layers applied to a `[b, inputs]` batch. */
  private forward(xs: Tensor, through: number): Tensor2D {
    const layers = this.layerSizes.length - 1;
    const bottleneck = layers >> 1;
    let h = xs as Tensor2D;
    for (let layer = 0; layer < through; layer++) {
      const activation = layer === layers - 1 ? 'sigmoid' : layer === bottleneck - 1 ? 'linear' : 'relu';
      h = ops.fusedMatMul({
        a: h,
        b: this.parameters[layer].variable,
        bias: this.parameters[layers + layer].variable,
        activation,
      }) as Tensor2D;
    }
    return h;
  }

  /**
   * One Adam step on a batch; returns the batch's mean squared error (before the step). The optimiser is
   * created on the first step and kept, so its moments carry over from epoch to epoch.
   */
  trainStep(xs: Tensor, learningRate: number): number {
    const variables = this.variables;
    this.optimizer ??= new VariableAdam(variables, { learningRate });
    const optimizer = this.optimizer;
    optimizer.learningRate = learningRate;
    const loss = ops.tidy(() => {
      const { value, grads } = ops.variableGrads(
        () => ops.mean(ops.squaredDifference(this.reconstruct(xs), xs)),
        variables,
      );
      optimizer.applyGradients(grads);
      return value;
    });
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  }

  /** Mean squared reconstruction error of every row of `x` (averaged over its features). */
  rowErrors(x: Matrix): Float32Array {
    this.checkWidth(x);
    if (x.rows === 0) return new Float32Array(0);
    return predictInBatches(x, (xs) => ops.mean(ops.squaredDifference(this.reconstruct(xs), xs), 1, true))
      .data;
  }

  /** The bottleneck (linear) code of every row of `x`. */
  codes(x: Matrix): Matrix {
    this.checkWidth(x);
    const bottleneck = (this.layerSizes.length - 1) >> 1;
    if (x.rows === 0) return { rows: 0, cols: this.layerSizes[bottleneck], data: new Float32Array(0) };
    return predictInBatches(x, (xs) => this.forward(xs, bottleneck));
  }

  private checkWidth(x: Matrix): void {
    if (x.cols !== this.inputs) {
      throw usageError(`the autoencoder takes ${this.inputs} features, got a matrix of ${x.cols} columns`);
    }
  }

  /** Every kernel and bias as plain arrays (the optimiser's moments are not included). */
  getWeights(): NamedWeights {
    const weights: NamedWeights = {};
    for (const { name, variable } of this.parameters) {
      weights[name] = { shape: [...variable.shape], data: (variable.dataSync() as Float32Array).slice() };
    }
    return weights;
  }

  setWeights(weights: NamedWeights): void {
    checkWeights(weights, this.layerSizes, 'weights');
    for (const { name, variable } of this.parameters) {
      ops.tidy(() => variable.assign(ops.tensor(weights[name].data, variable.shape, 'float32')));
    }
  }

  dispose(): void {
    ops.dispose(this.variables);
  }
}

export function layerSizesFor(inputs: number, hiddenUnits: readonly number[]): number[] {
  if (!Number.isInteger(inputs) || inputs < 1) {
    throw new IotIdsError(`the autoencoder needs at least one input feature, got ${inputs}`);
  }
  if (hiddenUnits.length === 0 || hiddenUnits.some((u) => !Number.isInteger(u) || u < 1)) {
    throw new IotIdsError(
      `hiddenUnits must list positive integers (encoder layers down to the bottleneck), got [${hiddenUnits.join(', ')}]`,
      { kind: 'usage' },
    );
  }
  return [inputs, ...hiddenUnits, ...hiddenUnits.slice(0, -1).reverse(), inputs];
}

const kernelName = (layer: number): string => `dense${layer}/kernel`;
const biasName = (layer: number): string => `dense${layer}/bias`;

function parameterNames(layers: number): string[] {
  const indices = Array.from({ length: layers }, (_, i) => i);
  return [...indices.map(kernelName), ...indices.map(biasName)];
}

function checkWeights(weights: NamedWeights, sizes: readonly number[], source: string): void {
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const expected: [string, number[]][] = [
      [kernelName(layer), [sizes[layer], sizes[layer + 1]]],
      [biasName(layer), [sizes[layer + 1]]],
    ];
    for (const [name, shape] of expected) {
      const w = Object.hasOwn(weights, name) ? weights[name] : undefined;
      if (w === undefined) {
        throw new IotIdsError(`weight "${name}" is missing`, { location: { file: source, field: name } });
      }
      if (w.shape.length !== shape.length || w.shape.some((size, i) => size !== shape[i])) {
        throw new IotIdsError(
          `weight "${name}" has shape [${w.shape.join(', ')}], the autoencoder needs [${shape.join(', ')}]`,
          { location: { file: source, field: name } },
        );
      }
    }
  }
}
