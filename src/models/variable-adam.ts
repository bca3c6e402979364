import { ops, type NamedTensorMap, type Tensor, type Variable } from '../engine/index.js';
import { IotIdsError } from '../errors.js';
import { Adam, type AdamOptions } from '../fit/adam.js';

/**
 * The project's Adam (fit/adam.ts) driving engine variables, for networks whose gradients come from
 * `tf.variableGrads`: each step reads every variable and its gradient once, updates in JS and writes one new
 * tensor per variable. Cheaper than `tf.train.adam` for small networks, whose ~14 kernels and ~8 scalar
 * tensors per variable per step outweigh the arithmetic.
 */
export class VariableAdam {
  private readonly adam: Adam;
  private readonly values: Float32Array[];

  constructor(
    private readonly variables: readonly Variable[],
    options: AdamOptions = {},
  ) {
    for (const variable of variables) {
      if (variable.dtype !== 'float32')
        throw new IotIdsError(`Adam: variable ${variable.name} is ${variable.dtype}, expected float32`);
    }
    this.values = variables.map((v) => new Float32Array(v.size));
    this.adam = new Adam(
      variables.map((v, k) => [v.name, this.values[k]] as const),
      options,
    );
  }

  get learningRate(): number {
    return this.adam.learningRate;
  }

  set learningRate(value: number) {
    this.adam.learningRate = value;
  }

  get iterations(): number {
    return this.adam.iterations;
  }

  /**
   * One update from gradients keyed by variable name, as `tf.variableGrads(...).grads` returns them.
   * Variables without a gradient keep their value (and their moments). Does not dispose `grads`.
   */
  applyGradients(grads: NamedTensorMap): void {
    const gradients = this.variables.map((variable, k) => {
      const gradient = grads[variable.name] as Tensor | undefined;
      if (gradient === undefined) return undefined;
      if (!ops.arraysEqual(gradient.shape, variable.shape)) {
        throw new IotIdsError(
          `Adam: gradient [${gradient.shape.join(', ')}] does not fit variable ${variable.name} [${variable.shape.join(', ')}]`,
        );
      }
      // The variable may have been assigned since the last step (restored weights): read it afresh.
      this.values[k].set(variable.dataSync());
      return gradient.dataSync() as Float32Array;
    });
    this.adam.apply(gradients);
    this.variables.forEach((variable, k) => {
      if (gradients[k] === undefined) return;
      const value = ops.tensor(this.values[k], variable.shape, 'float32');
      variable.assign(value);
      value.dispose();
    });
  }
}
