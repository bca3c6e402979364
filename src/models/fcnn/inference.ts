import { predictInBatches, ops, type Tensor, type Tensor1D, type Tensor2D } from '../../engine/index.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { FcnnParameters } from './parameters.js';
import { BATCH_NORM_EPSILON } from './training-step.js';

/** Rows per engine call when scoring: large batches amortise the per-call cost (bench/fcnn.ts). */
export const PREDICT_BATCH_SIZE = 8192;

/**
 * The network in inference mode with each BatchNorm folded into the dense layer before it:
 * γ (xW − μ) / √(σ² + ε) + β = x (W · s) + (β − μ s) with s = γ / √(σ² + ε), using the moving statistics.
 * Each hidden block is then one fused matmul + bias + ReLU kernel (dropout is off at inference).
 */
export class FoldedNetwork {
  private readonly kernels: Tensor2D[];
  private readonly biases: Tensor1D[];
  private readonly outputKernel: Tensor2D;
  private readonly outputBias: Tensor1D;

  constructor(params: FcnnParameters) {
    this.kernels = [];
    this.biases = [];
    for (const block of params.hidden) {
      const scale = new Float64Array(block.units);
      const shift = new Float32Array(block.units);
      for (let j = 0; j < block.units; j++) {
        scale[j] = block.gamma[j] / Math.sqrt(block.movingVariance[j] + BATCH_NORM_EPSILON);
        shift[j] = block.beta[j] - block.movingMean[j] * scale[j];
      }
      const kernel = new Float32Array(block.kernel.length);
      for (let r = 0; r < block.inputs; r++) {
        for (let j = 0; j < block.units; j++)
          kernel[r * block.units + j] = block.kernel[r * block.units + j] * scale[j];
      }
      this.kernels.push(ops.tensor2d(kernel, [block.inputs, block.units]));
      this.biases.push(ops.tensor1d(shift));
    }
    this.outputKernel = ops.tensor2d(params.output.kernel, [params.output.inputs, params.output.units]);
    this.outputBias = ops.tensor1d(params.output.bias);
  }

  /** Class probabilities, rows × classes. */
  predictProba(x: Matrix): Matrix {
    return predictInBatches(x, (xs) => ops.softmax(this.logits(xs)), { batchSize: PREDICT_BATCH_SIZE });
  }

  dispose(): void {
    ops.dispose([...this.kernels, ...this.biases, this.outputKernel, this.outputBias]);
  }

  private logits(xs: Tensor): Tensor2D {
    let h = xs as Tensor2D;
    this.kernels.forEach((kernel, b) => {
      h = ops.fusedMatMul({ a: h, b: kernel, bias: this.biases[b], activation: 'relu' }) as Tensor2D;
    });
    return ops.fusedMatMul({ a: h, b: this.outputKernel, bias: this.outputBias }) as Tensor2D;
  }
}
