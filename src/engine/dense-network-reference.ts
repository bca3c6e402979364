/**
 * The tfjs path that DenseNetworkKernel (dense-network.ts) replaced: one fused matmul + bias (+ ReLU)
 * kernel per layer and a softmax, in batches. Kept as the reference the kernel is tested against.
 */
import * as tf from '@tensorflow/tfjs';

import type { Matrix } from '../preprocess/matrix.js';
import { predictInBatches } from './batches.js';
import type { DenseLayer } from './dense-network.js';

/** rows × outputs through `layers` on the engine's backend; softmax at the end unless `softmax` is false. */
export function denseNetworkReference(
  layers: readonly DenseLayer[],
  x: Matrix,
  options: { softmax?: boolean; batchSize?: number } = {},
): Matrix {
  const kernels = layers.map((l) => tf.tensor2d(l.kernel, [l.inputs, l.units], 'float32'));
  const biases = layers.map((l) => tf.tensor1d(l.bias, 'float32'));
  try {
    return predictInBatches(
      x,
      (xs) => {
        let h = xs as tf.Tensor2D;
        layers.forEach((l, i) => {
          h = tf.fused.matMul({
            a: h,
            b: kernels[i],
            bias: biases[i],
            activation: l.relu ? 'relu' : 'linear',
          }) as tf.Tensor2D;
        });
        return options.softmax === false ? h : tf.softmax(h);
      },
      { batchSize: options.batchSize ?? 8192 },
    );
  } finally {
    tf.dispose([...kernels, ...biases]);
  }
}
