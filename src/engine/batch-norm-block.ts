/**
 * The element loops of a hidden block's training step — forward: BatchNorm's column sums, then
 * normalise → ReLU → dropout; backward: the ReLU-and-dropout gate with its column sums, then the
 * BatchNorm input gradient (row-major and transposed) — in a hand-written WebAssembly kernel
 * (wasm/batch-norm-block.c), two double lanes at a time. V8 does not vectorise these loops; the kernel does the same IEEE double operations in
 * the same order, so its results are bit for bit those of the JavaScript loops it replaced in the FCNN
 * training step (spelled out in its test, which compares the two).
 */
import { IotIdsError } from '../errors.js';
import { ensureWasmMemory, instantiateWasm } from '../util/wasm-module.js';
import { bufferLayout } from './buffer-layout.js';
import { wasmBase64 } from './wasm/batch-norm-block.wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  scratch_base: () => number;
  column_sums: (...args: number[]) => number;
  normalise_relu_dropout: (...args: number[]) => number;
  gate_sums: (...args: number[]) => number;
  batch_norm_gradient: (...args: number[]) => number;
}

/**
 * One block's scratch, for at most `maxValues` values (rows × units) and `maxUnits` units. The forward
 * pass's z and output stay in the kernel's memory for the backward pass of the same step.
 */
export class BatchNormBlockKernel {
  private readonly exports: Exports;
  private readonly at: {
    z: number;
    draws: number;
    out: number;
    dh: number;
    dzT: number;
    sum: number;
    squares: number;
    scale: number;
    shift: number;
    c3: number;
  };
  private rows = 0;
  private units = 0;

  constructor(
    readonly maxValues: number,
    readonly maxUnits: number,
  ) {
    if (!Number.isInteger(maxValues) || !Number.isInteger(maxUnits) || maxValues < 1 || maxUnits < 1) {
      throw new IotIdsError(
        `BatchNormBlockKernel: sizes must be positive integers, got ${maxValues}, ${maxUnits}`,
      );
    }
    this.exports = instantiateWasm(wasmBase64, 'batch-norm-block').exports as unknown as Exports;
    const { take, end } = bufferLayout(this.exports.scratch_base());
    // draws: whole 32-bit words (two 16-bit draws each), plus a spare word for an odd count.
    this.at = {
      z: take(maxValues * 4),
      draws: take(2 * (maxValues + 2)),
      out: take(maxValues * 4),
      dh: take(maxValues * 4),
      dzT: take(maxValues * 4),
      sum: take(maxUnits * 8),
      squares: take(maxUnits * 8),
      scale: take(maxUnits * 8),
      shift: take(maxUnits * 8),
      c3: take(maxUnits * 8),
    };
    ensureWasmMemory(this.exports.memory, end());
  }

  /** Copies the pre-activations z (`n` × `units`, row-major) in, and returns their column sums and sums of squares. */
  load(z: Float32Array, n: number, units: number, sum: Float64Array, squares: Float64Array): void {
    if (n * units > this.maxValues || units > this.maxUnits || z.length < n * units) {
      throw new IotIdsError(
        `BatchNormBlockKernel: ${n} × ${units} values (at most ${this.maxValues}, ${this.maxUnits} units) from ${z.length}`,
      );
    }
    const { exports, at } = this;
    const buffer = exports.memory.buffer;
    new Float32Array(buffer, at.z, n * units).set(z.subarray(0, n * units));
    exports.column_sums(at.z, n, units, at.sum, at.squares);
    sum.set(new Float64Array(buffer, at.sum, units));
    squares.set(new Float64Array(buffer, at.squares, units));
    this.rows = n;
    this.units = units;
  }

  /** The 16-bit dropout draws of the loaded block, as 32-bit words to fill (two draws a word), in place. */
  drawWords(): Uint32Array {
    return new Uint32Array(this.exports.memory.buffer, this.at.draws, (this.rows * this.units + 1) >> 1);
  }

  /**
   * `out` ← (y + |y|) · (halfKeep · kept), y = z · scale + shift per unit, kept = draw ≥ threshold (the
   * draws as last filled through `drawWords`; threshold 0 keeps all), for the loaded block.
   */
  normaliseReluDropout(
    scale: Float64Array,
    shift: Float64Array,
    threshold: number,
    halfKeep: number,
    out: Float32Array,
  ): void {
    const { exports, at, rows, units } = this;
    const buffer = exports.memory.buffer;
    new Float64Array(buffer, at.scale, units).set(scale.subarray(0, units));
    new Float64Array(buffer, at.shift, units).set(shift.subarray(0, units));
    exports.normalise_relu_dropout(
      at.z,
      rows,
      units,
      at.scale,
      at.shift,
      at.draws,
      threshold,
      halfKeep,
      at.out,
    );
    out.set(new Float32Array(buffer, at.out, rows * units));
  }

  /**
   * Backward, first pass, for the loaded block: dy = dh · (keep where the forward output > 0, else 0),
   * kept (rounded to float32) for `gradient`; returns Σ dy and Σ dy · z per unit.
   */
  gate(dh: Float32Array, keep: number, sumDy: Float64Array, sumDyZ: Float64Array): void {
    const { exports, at, rows, units } = this;
    if (dh.length < rows * units) {
      throw new IotIdsError(`BatchNormBlockKernel: dh holds ${dh.length} values, needs ${rows * units}`);
    }
    const buffer = exports.memory.buffer;
    new Float32Array(buffer, at.dh, rows * units).set(dh.subarray(0, rows * units));
    exports.gate_sums(at.dh, at.out, at.z, rows, units, keep, at.sum, at.squares);
    sumDy.set(new Float64Array(buffer, at.sum, units));
    sumDyZ.set(new Float64Array(buffer, at.squares, units));
  }

  /**
   * Backward, second pass: dz = c1 · dy + c2 · z + c3 per unit, into `dz` (rows × units) and, when given,
   * transposed into `dzT` (units × rows).
   */
  gradient(
    c1: Float64Array,
    c2: Float64Array,
    c3: Float64Array,
    dz: Float32Array,
    dzT: Float32Array | null,
  ): void {
    const { exports, at, rows, units } = this;
    const buffer = exports.memory.buffer;
    new Float64Array(buffer, at.scale, units).set(c1.subarray(0, units));
    new Float64Array(buffer, at.shift, units).set(c2.subarray(0, units));
    new Float64Array(buffer, at.c3, units).set(c3.subarray(0, units));
    exports.batch_norm_gradient(at.dh, at.z, rows, units, at.scale, at.shift, at.c3, dzT ? at.dzT : 0);
    dz.set(new Float32Array(buffer, at.dh, rows * units));
    if (dzT) dzT.set(new Float32Array(buffer, at.dzT, rows * units));
  }
}
