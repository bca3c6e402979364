import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import {
  adoptCompiledWasm,
  compiledWasm,
  ensureWasmMemory,
  instantiateWasm,
} from '../../util/wasm-module.js';
import type { PackedForest } from './packed-forest.js';
import { wasmBase64 } from './wasm/forest-predict.wasm.js';

interface Kernel {
  memory: WebAssembly.Memory;
  forest_sums(
    roots: number,
    nTrees: number,
    feature: number,
    threshold: number,
    child: number,
    leafValue: number,
    leafProba: number,
    k: number,
    x: number,
    rows: number,
    cols: number,
    sums: number,
  ): void;
}

const KERNEL_NAME = 'forest-predict';

function instantiateKernel(): Kernel {
  return instantiateWasm(wasmBase64, KERNEL_NAME).exports as unknown as Kernel;
}

/** The kernel's compiled module, to post to a worker thread (which passes it to adoptForestKernel). */
export function forestKernelModule(): WebAssembly.Module {
  return compiledWasm(wasmBase64, KERNEL_NAME);
}

/** In a worker thread: instantiate the module its parent compiled instead of compiling the kernel again. */
export function adoptForestKernel(module: WebAssembly.Module): void {
  adoptCompiledWasm(KERNEL_NAME, module);
}

/** The module's own stack and data live below this offset; the forest and the rows go above it. */
const BASE = 1 << 20;
/**
 * Rows scored per kernel call: their inputs (≈ 0.5 MB at 122 features) stay in cache across the trees. Also
 * the unit threads share a batch in (predict-pool.ts).
 */
export const CHUNK_ROWS = 1024;

/**
 * Scores rows with the WebAssembly kernel wasm/forest-predict.c: the packed forest is copied into the
 * module's memory once, then each call copies its rows in, chunk by chunk, and reads the summed leaf
 * distributions back. Gives exactly forestProba's numbers (same sums in the same order, in float64), and a
 * row's numbers depend on that row alone, so any split of a batch into chunks gives the same output.
 */
export class WasmForestScorer {
  private readonly kernel: Kernel;
  private readonly at: Record<
    'roots' | 'feature' | 'threshold' | 'child' | 'leafValue' | 'leafProba',
    number
  >;
  private readonly xAt: number;
  private readonly sumsAt: number;

  constructor(
    readonly forest: PackedForest,
    private readonly cols: number,
  ) {
    this.kernel = instantiateKernel();
    const nNodes = forest.feature.length;
    let offset = BASE;
    const place = (bytes: number): number => {
      const start = offset;
      offset += Math.ceil(bytes / 8) * 8;
      return start;
    };
    this.at = {
      roots: place(4 * forest.nTrees),
      feature: place(4 * nNodes),
      threshold: place(4 * nNodes),
      child: place(4 * nNodes),
      leafValue: place(4 * nNodes),
      leafProba: place(4 * forest.leafProba.length),
    };
    this.xAt = place(4 * CHUNK_ROWS * cols);
    this.sumsAt = place(8 * CHUNK_ROWS * forest.nClasses);
    const buffer = ensureWasmMemory(this.kernel.memory, offset);
    new Int32Array(buffer, this.at.roots, forest.nTrees).set(forest.roots);
    new Int32Array(buffer, this.at.feature, nNodes).set(forest.feature);
    new Float32Array(buffer, this.at.threshold, nNodes).set(forest.threshold);
    new Int32Array(buffer, this.at.child, nNodes).set(forest.child);
    new Int32Array(buffer, this.at.leafValue, nNodes).set(forest.leafValue);
    new Float32Array(buffer, this.at.leafProba, forest.leafProba.length).set(forest.leafProba);
  }

  /** Mean leaf distribution over the trees for every row of x (which must have `cols` features). */
  proba(x: Matrix): Matrix {
    const out = new Float32Array(x.rows * this.forest.nClasses);
    for (let start = 0; start < x.rows; start += CHUNK_ROWS) {
      this.scoreChunk(x.data, start, Math.min(CHUNK_ROWS, x.rows - start), out);
    }
    return createMatrix(x.rows, this.forest.nClasses, out);
  }

  /**
   * Scores rows [start, start + rows) of the row-major `x` (`cols` values a row; rows ≤ CHUNK_ROWS) into the
   * same rows of `out` (nClasses values a row). Either array may live on a SharedArrayBuffer.
   */
  scoreChunk(x: Float32Array, start: number, rows: number, out: Float32Array): void {
    const { forest, kernel, at, cols } = this;
    const k = forest.nClasses;
    const buffer = kernel.memory.buffer;
    new Float32Array(buffer, this.xAt, rows * cols).set(x.subarray(start * cols, (start + rows) * cols));
    const sums = new Float64Array(buffer, this.sumsAt, rows * k);
    sums.fill(0);
    kernel.forest_sums(
      at.roots,
      forest.nTrees,
      at.feature,
      at.threshold,
      at.child,
      at.leafValue,
      at.leafProba,
      k,
      this.xAt,
      rows,
      cols,
      this.sumsAt,
    );
    const o = start * k;
    for (let j = 0; j < rows * k; j++) out[o + j] = sums[j] / forest.nTrees;
  }
}
