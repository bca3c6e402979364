import { IotIdsError } from '../../errors.js';

/**
 * Adam over plain Float32Array parameters (the engine's Adam works on tf.Variables; this model never enters
 * the engine). Update rule of tf.train.adam / Keras: bias-corrected moments, epsilon added after the square
 * root. The moments and the step count are plain data so a checkpoint can store and restore them.
 */
export class VectorAdam {
  readonly firstMoments: Float32Array[];
  readonly secondMoments: Float32Array[];
  /** Steps taken so far. */
  step = 0;

  constructor(
    sizes: readonly number[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    this.firstMoments = sizes.map((n) => new Float32Array(n));
    this.secondMoments = sizes.map((n) => new Float32Array(n));
  }

  /**
   * One step: `params[j] -= lr · m̂ / (sqrt(v̂) + ε)` on the gradient `grads[j] + l2[j] · params[j]`
   * (coupled L2, so the penalty is part of the objective the SVM minimises).
   */
  update(
    params: readonly Float32Array[],
    grads: readonly Float64Array[],
    learningRate: number,
    l2: readonly number[],
  ): void {
    if (params.length !== this.firstMoments.length || grads.length !== params.length) {
      throw new IotIdsError(
        `Adam: ${params.length} parameters and ${grads.length} gradients for ${this.firstMoments.length} moments`,
      );
    }
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    for (let j = 0; j < params.length; j++) {
      const p = params[j];
      const g = grads[j];
      const m = this.firstMoments[j];
      const v = this.secondMoments[j];
      const decay = l2[j] ?? 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] + decay * p[i];
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * gi * gi;
        p[i] -= (learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.epsilon);
      }
    }
  }
}
