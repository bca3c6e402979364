/**
 * Forward and hand-written backward pass of a chain of Dense layers (ReLU after each but the last, which is
 * linear), for the custom training loops of this folder. The engine multiplies the matrices; bias sums,
 * ReLU masks and transposes run in JS over arrays the size of one batch, row by row. Through the tape
 * (`tf.variableGrads`) every bias add, activation and their gradients would be kernels of their own, and a
 * kernel launch costs about as much as a JS pass over a 512 × 16 block on this backend.
 *
 * Why the products are arranged as they are (measured on this backend): the wasm matmul hands its second
 * operand to XNNPACK as "weights", which it repacks on every call (~3.5 ns per element, against ~2 ns for a
 * JS transpose), and a transposed operand takes a slow path. So every product is untransposed,
 * ∂L/∂a = G · Wᵀ packs only the small Wᵀ, and the kernel gradient, whose inner dimension is the batch, packs
 * the smaller of its two batch-sized operands: dW = aᵀ · G when the layer narrows (units ≤ inputs),
 * dWᵀ = Gᵀ · a when it widens; the other operand is transposed in JS.
 *
 * With `sparseInput` (the VAE's encoder: its input rows are one-hot encoded features, ≈ 14 of KDD's 122
 * non-zero) the first layer's forward product and weight gradient run in the engine's `SparseRowsProducts`
 * wasm kernel over the non-zero inputs only (its ReLU in JS); the dense path is the reference its tests
 * compare against.
 */
import { ops, SparseRowsProducts, type Tensor1D, type Tensor2D } from '../../engine/index.js';
import type { Random } from '../../util/random.js';
import { transposeInto } from '../transpose.js';

/** One Dense layer's parameters as plain arrays (updated in place by the optimiser). */
export interface DenseLayer {
  readonly inputs: number;
  readonly units: number;
  /** `[inputs, units]`, row-major. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** Glorot-uniform kernel (the Keras default), ±√(6 / (fanIn + fanOut)), and a zero bias. */
export function glorotLayer(inputs: number, units: number, random: Random): DenseLayer {
  const limit = Math.sqrt(6 / (inputs + units));
  const kernel = new Float32Array(inputs * units);
  for (let i = 0; i < kernel.length; i++) kernel[i] = (2 * random.next() - 1) * limit;
  return { inputs, units, kernel, bias: new Float32Array(units) };
}

/** Engine tensors of a layer, for inference. */
export interface LayerTensors {
  readonly kernel: Tensor2D;
  readonly bias: Tensor1D;
}

export function layerTensors(layer: DenseLayer): LayerTensors {
  return {
    kernel: ops.tensor2d(layer.kernel, [layer.inputs, layer.units]),
    bias: ops.tensor1d(layer.bias),
  };
}

/** ReLU after every layer but the last (`last`, default linear), one fused kernel per layer. */
export function forwardLayers(
  input: Tensor2D,
  layers: readonly LayerTensors[],
  last: 'linear' | 'sigmoid' = 'linear',
): Tensor2D {
  let a = input;
  layers.forEach((layer, l) => {
    a = ops.fusedMatMul({
      a,
      b: layer.kernel,
      bias: layer.bias,
      activation: l === layers.length - 1 ? last : 'relu',
    }) as Tensor2D;
  });
  return a;
}

/** Per-layer scratch arrays, reused across steps (the engine copies what it is given). */
interface Scratch {
  /** The layer's input transposed, `[inputs, rows]` (when dW = aᵀ · G). */
  inputT: Float32Array;
  /** The gradient transposed, `[units, rows]` (when dWᵀ = Gᵀ · a). */
  gradientT: Float32Array;
  /** The kernel transposed, `[units, inputs]`. */
  readonly kernelT: Float32Array;
}

export class DenseChain {
  /** `[inputs, units]` per layer, filled by `backward`. */
  readonly kernelGradients: Float32Array[];
  /** `[units]` per layer, filled by `backward`. */
  readonly biasGradients: Float32Array[];
  private readonly scratch: Scratch[];
  private readonly columnTotals: Float64Array;
  // Valid between forward and backward, inside the caller's tidy (no tensor for a sparse chain input).
  private inputTensors: (Tensor2D | null)[] = [];
  /** Each layer's input as JS values: the chain input, then the hidden (post-ReLU) outputs. */
  private inputValues: Float32Array[] = [];
  private rows = 0;
  /** The first layer's products over the non-zero inputs (`sparseInput`), grown with the batch. */
  private firstProducts: SparseRowsProducts | null = null;
  private firstOutput = new Float32Array(0);

  constructor(
    readonly layers: readonly DenseLayer[],
    readonly sparseInput = false,
  ) {
    this.kernelGradients = layers.map((l) => new Float32Array(l.inputs * l.units));
    this.biasGradients = layers.map((l) => new Float32Array(l.units));
    this.scratch = layers.map((l) => ({
      inputT: new Float32Array(0),
      gradientT: new Float32Array(0),
      kernelT: new Float32Array(l.inputs * l.units),
    }));
    this.columnTotals = new Float64Array(Math.max(...layers.map((l) => l.units)));
  }

  /**
   * `[rows, units]` pre-activation output of the last layer for `input` (`[rows, inputs]` row-major, may be
   * longer; read again by `backward`, so keep it unchanged until then). Call inside a `tf.tidy` that also
   * covers the matching `backward`: the tensors kept for it are the tidy's.
   */
  forward(input: Float32Array, rows: number): Tensor2D {
    this.rows = rows;
    const first = this.layers[0];
    this.inputValues = [input];
    let a: Tensor2D;
    if (this.sparseInput) {
      a = this.sparseFirstLayer(input, rows);
      this.inputTensors = [null];
      if (this.layers.length === 1) return a;
      this.inputTensors.push(a);
      this.inputValues.push(this.firstOutput);
    } else {
      a = ops.tensor2d(input.subarray(0, rows * first.inputs), [rows, first.inputs]);
      this.inputTensors = [a];
    }
    this.layers.forEach((layer, l) => {
      if (l === 0 && this.sparseInput) return;
      const last = l === this.layers.length - 1;
      a = ops.fusedMatMul({
        a,
        b: ops.tensor2d(layer.kernel, [layer.inputs, layer.units]),
        bias: ops.tensor1d(layer.bias),
        activation: last ? 'linear' : 'relu',
      }) as Tensor2D;
      if (!last) {
        this.inputTensors.push(a);
        this.inputValues.push(a.dataSync() as Float32Array);
      }
    });
    return a;
  }

  /**
   * From G = ∂L/∂(last pre-activation) (`[rows, units]` row-major; overwritten) fills the gradients of every
   * layer; returns ∂L/∂input (`[rows, inputs]` row-major) when asked, for a chain that feeds from another.
   */
  backward(outputGradient: Float32Array, wantInputGradient: boolean): Float32Array | null {
    const n = this.rows;
    let gradient = outputGradient;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const { inputs, units } = layer;
      const scratch = this.scratch[l];
      this.columnSums(gradient, n, units, this.biasGradients[l]);
      const g = ops.tensor2d(gradient.subarray(0, n * units), [n, units]);
      const products = l === 0 ? this.firstProducts : null;
      if (products !== null) {
        products.weightGradient(gradient, this.kernelGradients[l]);
      } else if (units <= inputs) {
        scratch.inputT = transposeInto(this.inputValues[l], n, inputs, scratch.inputT);
        const aT = ops.tensor2d(scratch.inputT.subarray(0, inputs * n), [inputs, n]);
        this.kernelGradients[l].set(ops.matMul(aT, g).dataSync());
      } else {
        scratch.gradientT = transposeInto(gradient, n, units, scratch.gradientT);
        const gT = ops.tensor2d(scratch.gradientT.subarray(0, units * n), [units, n]);
        const kernelGradientT = ops.matMul(gT, this.inputTensors[l]!).dataSync() as Float32Array;
        transposeInto(kernelGradientT, units, inputs, this.kernelGradients[l]);
      }
      if (l === 0 && !wantInputGradient) return null;
      transposeInto(layer.kernel, inputs, units, scratch.kernelT);
      const inputGradient = ops
        .matMul(g, ops.tensor2d(scratch.kernelT, [units, inputs]))
        .dataSync() as Float32Array;
      if (l > 0) applyReluMask(inputGradient, this.inputValues[l], n * inputs);
      gradient = inputGradient;
    }
    return gradient;
  }

  /**
   * x · W + b of the first layer over the non-zero inputs (then ReLU in JS unless it is the last layer),
   * into `firstOutput`; returns it on the engine for the next layer.
   */
  private sparseFirstLayer(input: Float32Array, rows: number): Tensor2D {
    const first = this.layers[0];
    if (this.firstProducts === null || this.firstProducts.maxRows < rows) {
      this.firstProducts = new SparseRowsProducts(first.inputs, first.units, rows);
      this.firstOutput = new Float32Array(rows * first.units);
    }
    const out = this.firstOutput.subarray(0, rows * first.units);
    this.firstProducts.setRows(input, rows);
    this.firstProducts.forward(first.kernel, out, first.bias);
    if (this.layers.length > 1) {
      for (let i = 0; i < out.length; i++) out[i] = out[i] > 0 ? out[i] : 0;
    }
    return ops.tensor2d(out, [rows, first.units]);
  }

  private columnSums(values: Float32Array, rows: number, cols: number, out: Float32Array): void {
    const totals = this.columnTotals;
    totals.fill(0, 0, cols);
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let j = 0; j < cols; j++) totals[j] += values[row + j];
    }
    for (let j = 0; j < cols; j++) out[j] = totals[j];
  }
}

/**
 * Zeroes the gradient where the layer's ReLU output was 0 (both `[rows, units]`, `count` = rows · units).
 * A multiply rather than a branch: the signs are random, and mispredictions made the branch 4× slower.
 */
function applyReluMask(gradient: Float32Array, hidden: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) gradient[i] *= +(hidden[i] > 0);
}
