import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { ensureWasmMemory, instantiateWasm } from '../../util/wasm-module.js';
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

function instantiateKernel(): Kernel {
  return instantiateWasm(wasmBase64, 'forest-predict').exports as unknown as Kernel;
}

/** The module's own stack and data live below this offset; the forest and the rows go above it. */
const BASE = 1 << 20;
/** Rows scored per kernel call: their inputs (≈ 0.5 MB at 122 features) stay in cache across the trees. */
const CHUNK_ROWS = 1024;

/**
 * Scores rows with the WebAssembly kernel wasm/forest-predict.c: the packed forest is copied into the
 * module's memory once, then each call copies its rows in, chunk by chunk, and reads the summed leaf
 * distributions back. Gives exactly forestProba's numbers (same sums in the same order, in float64).
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
    private readonly forest: PackedForest,
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
    const { forest, kernel, at, cols } = this;
    const k = forest.nClasses;
    const out = new Float32Array(x.rows * k);
    const buffer = kernel.memory.buffer;
    const xIn = new Float32Array(buffer, this.xAt, CHUNK_ROWS * cols);
    const sums = new Float64Array(buffer, this.sumsAt, CHUNK_ROWS * k);
    for (let start = 0; start < x.rows; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, x.rows - start);
      xIn.set(x.data.subarray(start * cols, (start + rows) * cols));
      sums.fill(0, 0, rows * k);
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
    return createMatrix(x.rows, k, out);
  }
}
