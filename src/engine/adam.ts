/**
 * Adam computed in JS over plain arrays. `tf.train.adam` runs ~14 kernels and creates ~8 scalar tensors
 * per variable per step; for the small networks of this project those fixed costs outweigh the
 * arithmetic, so reading each gradient once, updating in JS and writing one new tensor per variable is
 * cheaper. Same update rule and defaults as `tf.train.adam` (epsilon added after bias correction).
 */
import * as tf from '@tensorflow/tfjs';

import { IotIdsError } from '../errors.js';

export interface AdamOptions {
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Decay of the first-moment average. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average. Default 0.999. */
  beta2?: number;
  /** Added to the root of the second moment. Default 1e-7 (tfjs's float32 epsilon). */
  epsilon?: number;
}

export class Adam {
  /** May be changed between steps, e.g. by a schedule. */
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly variables: readonly tf.Variable[];
  private readonly firstMoments: Float32Array[];
  private readonly secondMoments: Float32Array[];
  private step = 0;

  /** `variables`: the trainable variables this optimiser owns the moments of. */
  constructor(variables: readonly tf.Variable[], options: AdamOptions = {}) {
    this.learningRate = options.learningRate ?? 0.001;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    this.variables = [...variables];
    for (const variable of this.variables) {
      if (variable.dtype !== 'float32')
        throw new IotIdsError(`Adam: variable ${variable.name} is ${variable.dtype}, expected float32`);
    }
    this.firstMoments = this.variables.map((v) => new Float32Array(v.size));
    this.secondMoments = this.variables.map((v) => new Float32Array(v.size));
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.step;
  }

  /**
   * One update from gradients keyed by variable name, as `tf.variableGrads(...).grads` returns them.
   * Variables without a gradient keep their value (their moments are not decayed). Does not dispose `grads`.
   */
  applyGradients(grads: tf.NamedTensorMap): void {
    this.step++;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    this.variables.forEach((variable, k) => {
      const gradient = grads[variable.name] as tf.Tensor | undefined;
      if (gradient === undefined) return;
      if (!tf.util.arraysEqual(gradient.shape, variable.shape)) {
        throw new IotIdsError(
          `Adam: gradient [${gradient.shape.join(', ')}] does not fit variable ${variable.name} [${variable.shape.join(', ')}]`,
        );
      }
      const updated = this.update(
        variable.dataSync() as Float32Array,
        gradient.dataSync() as Float32Array,
        k,
        correction1,
        correction2,
      );
      const value = tf.tensor(updated, variable.shape, 'float32');
      variable.assign(value);
      value.dispose();
    });
  }

  private update(
    values: Float32Array,
    gradient: Float32Array,
    k: number,
    correction1: number,
    correction2: number,
  ): Float32Array {
    const { beta1, beta2, epsilon, learningRate } = this;
    const m = this.firstMoments[k];
    const v = this.secondMoments[k];
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const g = gradient[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      out[i] = values[i] - (learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
    }
    return out;
  }
}
