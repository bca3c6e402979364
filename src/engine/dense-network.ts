/**
 * Inference of a small dense network (dense layers, ReLU between them, softmax at the end) in one
 * hand-written WebAssembly SIMD kernel (wasm/dense-network.c) instead of a chain of tfjs kernels: no
 * per-operation dispatch, no intermediate tensors, and terms with a zero input skipped (one-hot features
 * and ReLU outputs are mostly zeros), which changes no sum. The tfjs path it replaces
 * (`fusedMatMul` + `softmax`, see its test) stays as the reference it is checked against.
 */
import { IotIdsError } from '../errors.js';
import type { Matrix } from '../preprocess/matrix.js';
import { ensureWasmMemory, instantiateWasm } from '../util/wasm-module.js';
import { bufferLayout } from './buffer-layout.js';
import { wasmBase64 } from './wasm/dense-network.wasm.js';

export interface DenseLayer {
  readonly inputs: number;
  readonly units: number;
  /** inputs × units, row-major (x · kernel). */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  /** Apply ReLU to this layer's output (hidden layers). */
  readonly relu: boolean;
}

export interface DenseNetworkOptions {
  /** Softmax over the last layer's outputs (probabilities). Default true. */
  softmax?: boolean;
  /**
   * Rows copied into the kernel's memory per call; bounds its memory. Default 1024 (the time per row is
   * the same from 256 to 8192 rows; more calls let V8 switch to its optimised code sooner).
   */
  batchRows?: number;
}

/** The kernel's name for `instantiateWasm` / `compiledWasm` (a helper thread adopts the compiled module). */
export const DENSE_NETWORK_KERNEL = 'dense-network';

const LAYER_INTS = 6;
const MAX_SOFTMAX_UNITS = 256;
const FLOAT = 4;

interface Exports {
  memory: WebAssembly.Memory;
  scratch_base: () => number;
  forward_rows: (...args: number[]) => number;
}

/** One network's packed weights in its own kernel instance; `predict` scores a matrix of rows. */
export class DenseNetworkKernel {
  readonly inputs: number;
  readonly outputs: number;
  private readonly exports: Exports;
  private readonly softmax: boolean;
  private readonly batchRows: number;
  private readonly layerCount: number;
  private readonly at: { layers: number; logits: number; idx: number; val: number; x: number; out: number };
  private readonly listSize: number;

  constructor(layers: readonly DenseLayer[], options: DenseNetworkOptions = {}) {
    validate(layers);
    this.softmax = options.softmax ?? true;
    this.batchRows = Math.max(1, Math.floor(options.batchRows ?? 1024));
    this.layerCount = layers.length;
    this.inputs = layers[0].inputs;
    this.outputs = layers[layers.length - 1].units;
    if (this.softmax && this.outputs > MAX_SOFTMAX_UNITS) {
      throw new IotIdsError(
        `DenseNetworkKernel: softmax over ${this.outputs} units (at most ${MAX_SOFTMAX_UNITS})`,
      );
    }
    this.exports = instantiateWasm(wasmBase64, DENSE_NETWORK_KERNEL).exports as unknown as Exports;

    const strides = layers.map((l) => Math.ceil(l.units / 4) * 4);
    // A list of non-zero inputs: one slot per input or unit of the widest layer, and 4 more (the kernel
    // stores four lanes at a time). The kernel takes rows two at a time, each with two lists used in turn.
    this.listSize = Math.max(...layers.map((l) => Math.max(l.inputs, strides[layers.indexOf(l)]))) + 4;
    const { take, end } = bufferLayout(this.exports.scratch_base());
    const layersAt = take(layers.length * LAYER_INTS * 4);
    const placed = layers.map((l, i) => ({
      weights: take(l.inputs * strides[i] * FLOAT),
      bias: take(strides[i] * FLOAT),
    }));
    const logits = take(2 * strides[strides.length - 1] * FLOAT);
    const idx = take(4 * this.listSize * 4);
    const val = take(4 * this.listSize * FLOAT);
    // 16 floats of slack: the kernel tests inputs for zero 16 at a time, reading past the last row.
    const x = take((this.batchRows * this.inputs + 16) * FLOAT);
    // 4 floats of slack: the softmax stores whole vectors, past a row's end (the next row overwrites them).
    const out = take((this.batchRows * this.outputs + 4) * FLOAT);
    const buffer = ensureWasmMemory(this.exports.memory, end());
    this.at = { layers: layersAt, logits, idx, val, x, out };

    const descriptors = new Int32Array(buffer, layersAt, layers.length * LAYER_INTS);
    layers.forEach((l, i) => {
      const stride = strides[i];
      descriptors.set(
        [l.inputs, l.units, stride, placed[i].weights, placed[i].bias, l.relu ? 1 : 0],
        i * LAYER_INTS,
      );
      const weights = new Float32Array(buffer, placed[i].weights, l.inputs * stride);
      for (let k = 0; k < l.inputs; k++) {
        weights.set(l.kernel.subarray(k * l.units, (k + 1) * l.units), k * stride);
      }
      new Float32Array(buffer, placed[i].bias, stride).set(l.bias);
    });
  }

  /** rows × outputs: probabilities with softmax, else the last layer's outputs. */
  predict(x: Matrix): Matrix {
    if (x.cols !== this.inputs) {
      throw new IotIdsError(
        `DenseNetworkKernel: input has ${x.cols} columns, the network takes ${this.inputs}`,
      );
    }
    const result = new Float32Array(x.rows * this.outputs);
    this.predictRows(x.data, 0, x.rows, result);
    return { rows: x.rows, cols: this.outputs, data: result };
  }

  /**
   * Scores rows [start, start + rows) of `data` (row-major, `inputs` values a row) into the same rows of
   * `out` (`outputs` values a row). Either array may live on a SharedArrayBuffer (the threaded scorer).
   */
  predictRows(data: Float32Array, start: number, rows: number, out: Float32Array): void {
    const { exports, at, inputs, outputs } = this;
    for (let first = start; first < start + rows; first += this.batchRows) {
      const count = Math.min(this.batchRows, start + rows - first);
      // The memory never grows after construction, so its buffer stays the same one.
      const heap = exports.memory.buffer;
      new Float32Array(heap, at.x, count * inputs).set(
        data.subarray(first * inputs, (first + count) * inputs),
      );
      exports.forward_rows(
        at.layers,
        this.layerCount,
        at.x,
        count,
        at.out,
        this.softmax ? 1 : 0,
        at.logits,
        at.idx,
        at.val,
        this.listSize,
      );
      out.set(new Float32Array(heap, at.out, count * outputs), first * outputs);
    }
  }
}

function validate(layers: readonly DenseLayer[]): void {
  if (layers.length === 0) throw new IotIdsError('DenseNetworkKernel: no layers');
  layers.forEach((l, i) => {
    const where = `DenseNetworkKernel: layer ${i}`;
    if (!Number.isInteger(l.inputs) || !Number.isInteger(l.units) || l.inputs < 1 || l.units < 1) {
      throw new IotIdsError(
        `${where}: inputs and units must be positive integers, got ${l.inputs} × ${l.units}`,
      );
    }
    if (l.kernel.length !== l.inputs * l.units) {
      throw new IotIdsError(
        `${where}: kernel has ${l.kernel.length} values, expected ${l.inputs} × ${l.units}`,
      );
    }
    if (l.bias.length !== l.units) {
      throw new IotIdsError(`${where}: bias has ${l.bias.length} values, expected ${l.units}`);
    }
    if (i > 0 && layers[i - 1].units !== l.inputs) {
      throw new IotIdsError(
        `${where} takes ${l.inputs} inputs but layer ${i - 1} has ${layers[i - 1].units} units`,
      );
    }
  });
}
