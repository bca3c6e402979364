import { DenseNetworkKernel, ThreadedDenseNetwork, type DenseLayer } from '../../engine/index.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { FcnnParameters } from './parameters.js';
import { BATCH_NORM_EPSILON } from './training-step.js';

/**
 * Rows per scoring pass of the reference tfjs path and of the side-by-side benchmark's references; the
 * wasm kernel copies rows into its memory in smaller blocks of its own (its time per row does not depend
 * on the block size).
 */
export const PREDICT_BATCH_SIZE = 8192;

/**
 * The network's dense layers in inference mode with each BatchNorm folded into the dense layer before it:
 * γ (xW − μ) / √(σ² + ε) + β = x (W · s) + (β − μ s) with s = γ / √(σ² + ε), using the moving statistics.
 * Each hidden block is then one dense layer + ReLU (dropout is off at inference); the output layer has no
 * activation (softmax follows).
 */
export function foldedLayers(params: FcnnParameters): DenseLayer[] {
  const layers: DenseLayer[] = params.hidden.map((block) => {
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
    return { inputs: block.inputs, units: block.units, kernel, bias: shift, relu: true };
  });
  const { output } = params;
  layers.push({
    inputs: output.inputs,
    units: output.units,
    kernel: output.kernel.slice(),
    bias: output.bias.slice(),
    relu: false,
  });
  return layers;
}

/**
 * The folded network (foldedLayers) scored by the engine's WebAssembly kernel (DenseNetworkKernel), which
 * replaced a chain of tfjs fused matmul + softmax kernels (still in the engine as
 * `denseNetworkReference`, which the tests compare against).
 */
export class FoldedNetwork {
  private readonly kernel: DenseNetworkKernel | ThreadedDenseNetwork;

  /**
   * `threads: 2` scores batches of THREADED_MIN_ROWS rows or more on the calling thread and a helper
   * thread (ThreadedDenseNetwork; the same probabilities to the bit). Default 1.
   */
  constructor(params: FcnnParameters, options: { threads?: 1 | 2 } = {}) {
    const layers = foldedLayers(params);
    this.kernel = options.threads === 2 ? new ThreadedDenseNetwork(layers) : new DenseNetworkKernel(layers);
  }

  /** Class probabilities, rows × classes. */
  predictProba(x: Matrix): Matrix {
    return this.kernel.predict(x);
  }

  /** Stops the helper thread of a two-thread network; otherwise the kernel's memory goes with the object. */
  dispose(): void {
    if (this.kernel instanceof ThreadedDenseNetwork) void this.kernel.close();
  }
}
