/**
 * The forward product and the weight gradient of a dense layer whose input rows are mostly zeros (one-hot
 * encoded features, ReLU-and-dropout outputs), over the non-zero entries only, in a hand-written
 * WebAssembly SIMD kernel (wasm/sparse-rows.c). On KDD's 122 features about 14 are non-zero, so a first
 * layer's products do about a ninth of the dense work; they leave no tfjs tensors behind. The sums are the
 * float32 sums in k / row order (skipping a zero term changes none); tfjs's `matMul` is the reference the
 * tests compare against.
 */
import { IotIdsError } from '../errors.js';
import { ensureWasmMemory, instantiateWasm } from '../util/wasm-module.js';
import { bufferLayout } from './buffer-layout.js';
import { wasmBase64 } from './wasm/sparse-rows.wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  scratch_base: () => number;
  repitch: (...args: number[]) => number;
  list_nonzeros: (...args: number[]) => number;
  forward: (...args: number[]) => number;
  weight_gradient: (...args: number[]) => number;
}

const FLOAT = 4;
/** One layer shape (inputs × units) and a batch of at most `maxRows` rows, in its own kernel instance. */
export class SparseRowsProducts {
  private readonly exports: Exports;
  private readonly stride: number;
  private readonly at: {
    x: number;
    idx: number;
    val: number;
    starts: number;
    w: number;
    bias: number;
    z: number;
    dw: number;
  };
  private rows = 0;

  constructor(
    readonly inputs: number,
    readonly units: number,
    readonly maxRows: number,
  ) {
    for (const [name, v] of Object.entries({ inputs, units, maxRows })) {
      if (!Number.isInteger(v) || v < 1) {
        throw new IotIdsError(`SparseRowsProducts: ${name} must be a positive integer, got ${v}`);
      }
    }
    this.exports = instantiateWasm(wasmBase64, 'sparse-rows').exports as unknown as Exports;
    this.stride = Math.ceil(units / 4) * 4;
    const { take, end } = bufferLayout(this.exports.scratch_base());
    // The lists hold one entry per input value, plus 4 (non-zeros are written four lanes at a time).
    const entries = maxRows * inputs + 4;
    this.at = {
      x: take(maxRows * inputs * FLOAT),
      idx: take(entries * 4),
      val: take(entries * FLOAT),
      starts: take((maxRows + 1) * 4),
      w: take(inputs * this.stride * FLOAT),
      bias: take(this.stride * FLOAT),
      // z and dz (the same buffer: never needed together).
      z: take(maxRows * this.stride * FLOAT),
      dw: take(inputs * this.stride * FLOAT),
    };
    ensureWasmMemory(this.exports.memory, end());
  }

  /** Lists the non-zero entries of the first `n` rows of `x` (row-major, `inputs` values a row). */
  setRows(x: Float32Array, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.maxRows || x.length < n * this.inputs) {
      throw new IotIdsError(
        `SparseRowsProducts: ${n} rows of ${this.inputs} (at most ${this.maxRows}) from ${x.length} values`,
      );
    }
    const { exports, at } = this;
    new Float32Array(exports.memory.buffer, at.x, n * this.inputs).set(x.subarray(0, n * this.inputs));
    exports.list_nonzeros(at.x, n, this.inputs, at.idx, at.val, at.starts);
    this.rows = n;
  }

  /**
   * `out` (rows × units, row-major) ← x · kernel (+ bias), for the rows of the last `setRows`. Each sum
   * starts from the bias (or 0) and adds the terms in k order, as XNNPACK's fused matmul does.
   */
  forward(kernel: Float32Array, out: Float32Array, bias?: Float32Array): void {
    this.expectLength('kernel', kernel, this.inputs * this.units);
    this.expectLength('out', out, this.rows * this.units);
    const { exports, at, rows } = this;
    this.write(kernel, at.w, this.inputs);
    const biasValues = new Float32Array(exports.memory.buffer, at.bias, this.stride).fill(0);
    if (bias !== undefined) {
      this.expectLength('bias', bias, this.units);
      biasValues.set(bias.subarray(0, this.units));
    }
    exports.forward(at.idx, at.val, at.starts, rows, at.w, this.stride, at.bias, at.z);
    this.read(at.z, rows, out);
  }

  /** `out` (inputs × units, the kernel's layout) ← xᵀ · dz, with dz rows × units for the last `setRows`. */
  weightGradient(dz: Float32Array, out: Float32Array): void {
    this.expectLength('dz', dz, this.rows * this.units);
    this.expectLength('out', out, this.inputs * this.units);
    const { exports, at, rows } = this;
    this.write(dz, at.z, rows);
    exports.weight_gradient(at.idx, at.val, at.starts, rows, this.inputs, at.z, this.stride, at.dw);
    this.read(at.dw, this.inputs, out);
  }

  private expectLength(name: string, values: Float32Array, length: number): void {
    if (values.length < length) {
      throw new IotIdsError(`SparseRowsProducts: ${name} holds ${values.length} values, needs ${length}`);
    }
  }

  /** Copies `rows` × units values into the kernel's memory at `to`, then pads each row to the stride. */
  private write(values: Float32Array, to: number, rows: number): void {
    const { exports, units, stride } = this;
    new Float32Array(exports.memory.buffer, to, rows * units).set(values.subarray(0, rows * units));
    if (stride !== units) exports.repitch(to, to, rows, units, units, stride);
  }

  /** Copies `rows` × units values out of the kernel's memory at `from` (rows padded to the stride). */
  private read(from: number, rows: number, out: Float32Array): void {
    const { exports, units, stride } = this;
    if (stride !== units) exports.repitch(from, from, rows, units, stride, units);
    out.set(new Float32Array(exports.memory.buffer, from, rows * units));
  }
}
