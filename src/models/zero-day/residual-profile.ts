import { IotIdsError } from '../../errors.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';

/**
 * The autoencoder's residual per feature, x − x̂, for every row: where a record departs from normal traffic,
 * not only how far (the row's reconstruction error is the mean of these residuals squared). Computed in
 * plain TypeScript from the saved weights (`autoencoder.bin`, read with `readWeights`), with the network's
 * own activations: ReLU, linear at the bottleneck, sigmoid at the output. Used to route anomalous rows to an
 * attack class by how they are anomalous.
 */
export function residualProfile(weights: NamedWeights, x: Matrix): Matrix {
  const layers: { kernel: Float32Array; bias: Float32Array; fanIn: number; fanOut: number }[] = [];
  for (let layer = 0; Object.hasOwn(weights, `dense${layer}/kernel`); layer++) {
    const kernel = weights[`dense${layer}/kernel`];
    const bias = Object.hasOwn(weights, `dense${layer}/bias`) ? weights[`dense${layer}/bias`] : undefined;
    const [fanIn, fanOut] = kernel.shape;
    if (!bias || bias.shape[0] !== fanOut || kernel.shape.length !== 2) {
      throw new IotIdsError(`autoencoder layer ${layer}: kernel and bias shapes do not agree`);
    }
    const previous = layers[layer - 1];
    if (previous && previous.fanOut !== fanIn) {
      throw new IotIdsError(
        `autoencoder layer ${layer} takes ${fanIn} inputs, layer ${layer - 1} gives ${previous.fanOut}`,
      );
    }
    layers.push({ kernel: kernel.data, bias: bias.data, fanIn, fanOut });
  }
  if (layers.length < 2)
    throw new IotIdsError('no autoencoder weights (dense0/kernel …) to compute residuals with');
  if (layers[0].fanIn !== x.cols || layers[layers.length - 1].fanOut !== x.cols) {
    throw new IotIdsError(
      `the autoencoder maps ${layers[0].fanIn} → ${layers[layers.length - 1].fanOut} features, the rows have ${x.cols}`,
    );
  }
  const bottleneck = layers.length >> 1;
  const out = createMatrix(x.rows, x.cols);
  const widest = Math.max(...layers.map((l) => l.fanOut), x.cols);
  let input = new Float32Array(widest);
  let output = new Float32Array(widest);
  for (let r = 0; r < x.rows; r++) {
    input.set(x.data.subarray(r * x.cols, (r + 1) * x.cols));
    layers.forEach(({ kernel, bias, fanIn, fanOut }, layer) => {
      output.set(bias.subarray(0, fanOut));
      for (let i = 0; i < fanIn; i++) {
        const v = input[i];
        if (v === 0) continue;
        const row = i * fanOut;
        for (let j = 0; j < fanOut; j++) output[j] += v * kernel[row + j];
      }
      const last = layer === layers.length - 1;
      for (let j = 0; j < fanOut; j++) {
        if (last) output[j] = 1 / (1 + Math.exp(-output[j]));
        else if (layer !== bottleneck - 1 && output[j] < 0) output[j] = 0;
      }
      [input, output] = [output, input];
    });
    const base = r * x.cols;
    for (let j = 0; j < x.cols; j++) out.data[base + j] = x.data[base + j] - input[j];
  }
  return out;
}
