/**
 * Batch normalisation over the rows of a `[batch, units]` tensor with a hand-written gradient.
 * tfjs's own gradient of `tf.batchNorm` (used by `tf.layers.batchNormalization`) tiles statistics to
 * the batch size and runs ~30 kernels per layer; this one runs 13, which roughly halved the time per
 * training step of the benchmark MLP (bench/engine-mlp.ts). Same conventions as tf.layers / Keras.
 */
import type { Rank } from '../../../src/engine/index.js';
import {
  ops,
  type GradSaveFunc,
  type Tensor,
  type Tensor1D,
  type Tensor2D,
  type Variable,
} from '../../../src/engine/index.js';

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
  readonly gamma: Variable<Rank.R1>;
  readonly beta: Variable<Rank.R1>;
  readonly movingMean: Variable<Rank.R1>;
  readonly movingVariance: Variable<Rank.R1>;
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly relu: boolean;
  private readonly normaliseBatch: (x: Tensor2D, gamma: Tensor1D, beta: Tensor1D) => Tensor2D;

  constructor(units: number, options: BatchNormOptions = {}) {
    if (!Number.isInteger(units) || units < 1)
      throw new IotIdsError(`BatchNorm: units must be a positive integer, got ${units}`);
    this.units = units;
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    this.relu = (options.activation ?? 'linear') === 'relu';
    // Inside tidy so the initial-value tensors are released; variables survive tidy.
    const vector = (fill: number, trainable: boolean) =>
      ops.tidy(() => ops.variable(ops.fill<Rank.R1>([units], fill), trainable));
    this.gamma = vector(1, true);
    this.beta = vector(0, true);
    this.movingMean = vector(0, false);
    this.movingVariance = vector(1, false);
    this.normaliseBatch = customGradient((x: Tensor2D, gamma: Tensor1D, beta: Tensor1D, save: GradSaveFunc) =>
      this.forward(x, gamma, beta, save),
    );
  }

  /** Variables the optimiser updates: `[gamma, beta]`. */
  get trainableVariables(): Variable[] {
    return [this.gamma, this.beta];
  }

  /** All state, for saving: gamma, beta, moving mean, moving variance. */
  get variables(): Variable[] {
    return [this.gamma, this.beta, this.movingMean, this.movingVariance];
  }

  /**
   * `training`: normalise with the batch's statistics and move the moving averages towards them (once per
   * call); otherwise normalise with the moving averages.
   */
  apply(x: Tensor, training: boolean): Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.units) {
      throw new IotIdsError(`BatchNorm: expected input [batch, ${this.units}], got [${x.shape.join(', ')}]`);
    }
    if (training) return this.normaliseBatch(x as Tensor2D, this.gamma, this.beta);
    return ops.tidy(() => {
      const y = ops.batchNorm2d(
        x as Tensor2D,
        this.movingMean,
        this.movingVariance,
        this.beta,
        this.gamma,
        this.epsilon,
      );
      return this.relu ? ops.relu(y) : y;
    });
  }

  dispose(): void {
    ops.dispose(this.variables);
  }

  private forward(
    x: Tensor2D,
    gamma: Tensor1D,
    beta: Tensor1D,
    save: GradSaveFunc,
  ): CustomGradientResult<Tensor2D> {
    const mean = ops.mean(x, 0);
    const centred = ops.sub(x, mean);
    const variance = ops.mean(ops.square(centred), 0);
    const inverseStd = ops.rsqrt(ops.add(variance, this.epsilon));
    const normalised = ops.mul(centred, inverseStd);
    const affine: Tensor2D = ops.add(ops.mul(normalised, gamma), beta);
    const value: Tensor2D = this.relu ? ops.relu(affine) : affine;
    // Runs inside the kernel's own tidy; assign keeps the new values alive.
    this.movingMean.assign(
      ops.add(ops.mul(this.movingMean, this.momentum), ops.mul(mean, 1 - this.momentum)),
    );
    this.movingVariance.assign(
      ops.add(ops.mul(this.movingVariance, this.momentum), ops.mul(variance, 1 - this.momentum)),
    );
    save([normalised, inverseStd, gamma, value]);
    return { value, gradFunc: (dy: Tensor2D, saved: Tensor[]) => this.backward(dy, saved) };
  }

  /** dx = inverseStd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), with mean(dx̂ · x̂) = γ · dγ / n. */
  private backward(dy: Tensor2D, [normalised, inverseStd, gamma, value]: Tensor[]): Tensor[] {
    const dAffine = this.relu ? ops.mul(dy, ops.step(value)) : dy;
    const dBeta = ops.sum(dAffine, 0);
    const dGamma = ops.sum(ops.mul(dAffine, normalised), 0);
    const dNormalised = ops.mul(dAffine, gamma);
    const alongNormalised = ops.mul(gamma, ops.div(dGamma, dy.shape[0]));
    const dx = ops.mul(
      ops.sub(ops.sub(dNormalised, ops.mean(dNormalised, 0)), ops.mul(normalised, alongNormalised)),
      inverseStd,
    );
    return [dx, dGamma, dBeta];
  }
}
