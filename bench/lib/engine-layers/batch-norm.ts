/**
 * Batch normalisation over the rows of a `[batch, units]` tensor with a hand-written gradient.
 * tfjs's own gradient of `tf.batchNorm` (used by `tf.layers.batchNormalization`) tiles statistics to
 * the batch size and runs ~30 kernels per layer; this one runs 13, which roughly halved the time per
 * training step of the benchmark MLP (bench/engine-mlp.ts). Same conventions as tf.layers / Keras.
 */
import { tf } from '../../../src/engine/index.js';

import { IotIdsError } from '../../../src/errors.js';
import { customGradient, type CustomGradientResult } from './custom-grad.js';

export interface BatchNormOptions {
  /** Weight of the old value when updating the moving averages (Keras convention; PyTorch 0.1 ≙ 0.9). Default 0.99. */
  momentum?: number;
  /** Added to the variance before its square root. Default 1e-3 (tf.layers). */
  epsilon?: number;
  /** Activation applied after the affine step, inside the same gradient. Default `'linear'`. */
  activation?: 'linear' | 'relu';
}

export class BatchNorm {
  readonly units: number;
  readonly gamma: tf.Variable<tf.Rank.R1>;
  readonly beta: tf.Variable<tf.Rank.R1>;
  readonly movingMean: tf.Variable<tf.Rank.R1>;
  readonly movingVariance: tf.Variable<tf.Rank.R1>;
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly relu: boolean;
  private readonly normaliseBatch: (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D;

  constructor(units: number, options: BatchNormOptions = {}) {
    if (!Number.isInteger(units) || units < 1)
      throw new IotIdsError(`BatchNorm: units must be a positive integer, got ${units}`);
    this.units = units;
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    this.relu = (options.activation ?? 'linear') === 'relu';
    // Inside tidy so the initial-value tensors are released; variables survive tidy.
    const vector = (fill: number, trainable: boolean) =>
      tf.tidy(() => tf.variable(tf.fill<tf.Rank.R1>([units], fill), trainable));
    this.gamma = vector(1, true);
    this.beta = vector(0, true);
    this.movingMean = vector(0, false);
    this.movingVariance = vector(1, false);
    this.normaliseBatch = customGradient(
      (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) =>
        this.forward(x, gamma, beta, save),
    );
  }

  /** Variables the optimiser updates: `[gamma, beta]`. */
  get trainableVariables(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  /** All state, for saving: gamma, beta, moving mean, moving variance. */
  get variables(): tf.Variable[] {
    return [this.gamma, this.beta, this.movingMean, this.movingVariance];
  }

  /**
   * `training`: normalise with the batch's statistics and move the moving averages towards them (once per
   * call); otherwise normalise with the moving averages.
   */
  apply(x: tf.Tensor, training: boolean): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.units) {
      throw new IotIdsError(`BatchNorm: expected input [batch, ${this.units}], got [${x.shape.join(', ')}]`);
    }
    if (training) return this.normaliseBatch(x as tf.Tensor2D, this.gamma, this.beta);
    return tf.tidy(() => {
      const y = tf.batchNorm2d(
        x as tf.Tensor2D,
        this.movingMean,
        this.movingVariance,
        this.beta,
        this.gamma,
        this.epsilon,
      );
      return this.relu ? tf.relu(y) : y;
    });
  }

  dispose(): void {
    tf.dispose(this.variables);
  }

  private forward(
    x: tf.Tensor2D,
    gamma: tf.Tensor1D,
    beta: tf.Tensor1D,
    save: tf.GradSaveFunc,
  ): CustomGradientResult<tf.Tensor2D> {
    const mean = tf.mean(x, 0);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), 0);
    const inverseStd = tf.rsqrt(tf.add(variance, this.epsilon));
    const normalised = tf.mul(centred, inverseStd);
    const affine: tf.Tensor2D = tf.add(tf.mul(normalised, gamma), beta);
    const value: tf.Tensor2D = this.relu ? tf.relu(affine) : affine;
    // Runs inside the kernel's own tidy; assign keeps the new values alive.
    this.movingMean.assign(tf.add(tf.mul(this.movingMean, this.momentum), tf.mul(mean, 1 - this.momentum)));
    this.movingVariance.assign(
      tf.add(tf.mul(this.movingVariance, this.momentum), tf.mul(variance, 1 - this.momentum)),
    );
    save([normalised, inverseStd, gamma, value]);
    return { value, gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => this.backward(dy, saved) };
  }

  /** dx = inverseStd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), with mean(dx̂ · x̂) = γ · dγ / n. */
  private backward(dy: tf.Tensor2D, [normalised, inverseStd, gamma, value]: tf.Tensor[]): tf.Tensor[] {
    const dAffine = this.relu ? tf.mul(dy, tf.step(value)) : dy;
    const dBeta = tf.sum(dAffine, 0);
    const dGamma = tf.sum(tf.mul(dAffine, normalised), 0);
    const dNormalised = tf.mul(dAffine, gamma);
    const alongNormalised = tf.mul(gamma, tf.div(dGamma, dy.shape[0]));
    const dx = tf.mul(
      tf.sub(tf.sub(dNormalised, tf.mean(dNormalised, 0)), tf.mul(normalised, alongNormalised)),
      inverseStd,
    );
    return [dx, dGamma, dBeta];
  }
}
