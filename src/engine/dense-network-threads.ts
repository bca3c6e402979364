/**
 * DenseNetworkKernel on two threads: the calling thread and one kept-alive helper worker score a large
 * batch together, synchronously (the caller gets its matrix back as from `DenseNetworkKernel.predict`).
 *
 * The calling thread scores the first half of the rows straight from the caller's matrix. The second half
 * is copied once to shared memory and cut into chunks, which the helper and then the calling thread take
 * from a shared counter; the calling thread waits (Atomics.wait) for the chunks the helper took. A helper
 * that is still starting, descheduled on a loaded machine or dead takes fewer chunks or none, and a chunk
 * it took but has not finished after HELPER_WAIT_MS is scored again by the calling thread. Each row's
 * outputs depend on that row alone and both threads run the same kernel on the same weights, so the result
 * is the one-thread result to the bit however the chunks fall.
 */
import type { Worker } from 'node:worker_threads';
import { IotIdsError } from '../errors.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { compiledWasm } from '../util/wasm-module.js';
import {
  DENSE_NETWORK_KERNEL,
  DenseNetworkKernel,
  type DenseLayer,
  type DenseNetworkOptions,
} from './dense-network.js';
import { wasmBase64 } from './wasm/dense-network.wasm.js';

/** Batches with fewer rows are scored by the calling thread alone (waking the helper is not worth it). */
export const THREADED_MIN_ROWS = 8192;

/** Rows a chunk of the shared half. */
export const THREADED_CHUNK_ROWS = 1024;

/** How long the calling thread waits for a chunk the helper took before scoring it itself. */
const HELPER_WAIT_MS = 1000;

/** Main thread → helper: score chunks of `x` into `out` until `next` passes the last chunk. */
export interface HelperJob {
  /** The network, sent with the first job only (the helper keeps its kernel). */
  readonly network?: { layers: readonly DenseLayer[]; options: DenseNetworkOptions };
  /** The shared rows: `rows` × the network's inputs values (or more: the buffer is reused). */
  readonly x: Float32Array;
  readonly rows: number;
  /** `rows` × the network's outputs values (or more). */
  readonly out: Float32Array;
  /** [0]: the next chunk to take (Atomics.add). */
  readonly next: Int32Array;
  /** One flag a chunk: 1 once its outputs are in `out`. */
  readonly done: Int32Array;
  /** [0]: chunks the helper has scored (how the work was shared). */
  readonly byHelper: Int32Array;
}

/** Data a helper starts with: the kernel's module, compiled by its parent. */
export interface HelperData {
  readonly module: WebAssembly.Module;
}

/** Takes chunks of a job one at a time and scores each; shared by the calling thread and the helper. */
export function scoreChunks(kernel: DenseNetworkKernel, job: HelperJob, helper: boolean): void {
  const chunks = job.done.length;
  for (let c = Atomics.add(job.next, 0, 1); c < chunks; c = Atomics.add(job.next, 0, 1)) {
    scoreChunk(kernel, job, c, helper);
  }
}

function scoreChunk(kernel: DenseNetworkKernel, job: HelperJob, c: number, helper: boolean): void {
  const start = c * THREADED_CHUNK_ROWS;
  kernel.predictRows(job.x, start, Math.min(THREADED_CHUNK_ROWS, job.rows - start), job.out);
  if (helper) Atomics.add(job.byHelper, 0, 1);
  Atomics.store(job.done, c, 1);
  Atomics.notify(job.done, c);
}

/** A network scored by DenseNetworkKernel on the calling thread and one helper thread. */
export class ThreadedDenseNetwork {
  readonly inputs: number;
  readonly outputs: number;
  private readonly kernel: DenseNetworkKernel;
  private helper: Worker | null = null;
  private helperHasNetwork = false;
  private closed = false;
  private chunksByHelper = 0;
  /**
   * The shared rows and outputs of the last batch, kept for the next one: fresh shared memory of this
   * size costs the page faults of zero-filled pages on every call (measured: half the time the second
   * thread saves). Dropped when the helper missed its deadline (it may still read or write them).
   */
  private shared: { x: Float32Array; out: Float32Array } | null = null;

  constructor(
    private readonly layers: readonly DenseLayer[],
    private readonly options: DenseNetworkOptions = {},
  ) {
    this.kernel = new DenseNetworkKernel(layers, options);
    this.inputs = this.kernel.inputs;
    this.outputs = this.kernel.outputs;
  }

  /** Chunks the helper thread has scored so far, over every batch (how the work was shared). */
  get helperChunks(): number {
    return this.chunksByHelper;
  }

  /** As `DenseNetworkKernel.predict`, the same bits; batches of THREADED_MIN_ROWS rows or more on two threads. */
  predict(x: Matrix): Matrix {
    if (this.closed) throw new IotIdsError('ThreadedDenseNetwork: used after close()');
    if (x.rows < THREADED_MIN_ROWS) return this.kernel.predict(x);
    if (x.cols !== this.inputs) {
      throw new IotIdsError(
        `ThreadedDenseNetwork: input has ${x.cols} columns, the network takes ${this.inputs}`,
      );
    }
    const { inputs, outputs } = this;
    const half = Math.floor(x.rows / 2);
    const rows = x.rows - half;
    const { x: xShared, out } = this.sharedFor(rows);
    const job: HelperJob = {
      x: xShared,
      rows,
      out,
      next: new Int32Array(new SharedArrayBuffer(4)),
      done: new Int32Array(new SharedArrayBuffer(Math.ceil(rows / THREADED_CHUNK_ROWS) * 4)),
      byHelper: new Int32Array(new SharedArrayBuffer(4)),
    };
    job.x.set(x.data.subarray(half * inputs));
    this.post(job);
    const result = new Float32Array(x.rows * outputs);
    this.kernel.predictRows(x.data, 0, half, result);
    scoreChunks(this.kernel, job, false);
    const deadline = performance.now() + HELPER_WAIT_MS;
    for (let c = 0; c < job.done.length; c++) {
      while (Atomics.load(job.done, c) === 0) {
        const left = deadline - performance.now();
        if (left <= 0) {
          this.shared = null;
          scoreChunk(this.kernel, job, c, false);
          break;
        }
        Atomics.wait(job.done, c, 0, left);
      }
    }
    this.chunksByHelper += Atomics.load(job.byHelper, 0);
    result.set(job.out.subarray(0, rows * outputs), half * outputs);
    return createMatrix(x.rows, outputs, result);
  }

  private sharedFor(rows: number): { x: Float32Array; out: Float32Array } {
    if (!this.shared || this.shared.out.length < rows * this.outputs) {
      const floats = (count: number) => new Float32Array(new SharedArrayBuffer(count * 4));
      this.shared = { x: floats(rows * this.inputs), out: floats(rows * this.outputs) };
    }
    return this.shared;
  }

  /** Stops the helper thread; the network cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const helper = this.helper;
    this.helper = null;
    if (helper) await helper.terminate();
  }

  private post(job: HelperJob): void {
    if (!this.helper) {
      const workerData: HelperData = { module: compiledWasm(wasmBase64, DENSE_NETWORK_KERNEL) };
      const helper = spawnWorker(import.meta.url, 'dense-network-worker', { workerData });
      // The helper never keeps the process alive: the calling thread does not need it to finish.
      helper.unref();
      const forget = () => {
        if (this.helper === helper) this.helper = null;
      };
      helper.on('error', forget);
      helper.on('exit', forget);
      this.helper = helper;
      this.helperHasNetwork = false;
    }
    const network = this.helperHasNetwork ? undefined : { layers: this.layers, options: this.options };
    this.helper.postMessage({ ...job, network });
    this.helperHasNetwork = true;
  }
}
