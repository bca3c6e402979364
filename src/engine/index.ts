/**
 * The project's only door to TensorFlow.js: models import the named operations of `ops` (ops.ts) from
 * here, never `@tensorflow/*` nor a raw `tf`, so the engine (backend, kernel patches, seeding) is set up
 * in one place and the tfjs surface the project uses is one list. Facts behind the choices are in
 * /work/shared/notes/engine.md.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';
// Importing the package registers the `wasm` backend and its kernels.
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { patchWasmKernels, unpatchWasmKernels, wasmKernelsPatched } from './patch-wasm-kernels.js';

// No raw `tf`: the operations the project uses are named in ops.ts.
export { ops, Rank } from './ops.js';
export type * from './ops.js';
export { wasmKernelsPatched };
export { miniBatches, predictInBatches } from './batches.js';
export type { MiniBatch, MiniBatchOptions, BatchSource } from './batches.js';
// Inference of small dense networks in a hand-written WebAssembly kernel, and the tfjs path it replaced.
export { DenseNetworkKernel } from './dense-network.js';
export { ThreadedDenseNetwork, THREADED_MIN_ROWS } from './dense-network-threads.js';
export type { DenseLayer, DenseNetworkOptions } from './dense-network.js';
export { denseNetworkReference } from './dense-network-reference.js';
// A first layer's products over the non-zero entries of its (one-hot) input rows, for training.
export { SparseRowsProducts } from './sparse-rows.js';
// A hidden block's BatchNorm → ReLU → dropout loops, for training.
export { BatchNormBlockKernel } from './batch-norm-block.js';
// Copies out of tensors without dataSync's allocation (reads the wasm heap).
export { matMulInto, readInto } from './read-into.js';

export interface EngineOptions {
  /** Backend to run on; `cpu` is plain JS and ~10× slower, kept for reference checks. Default `'wasm'`. */
  backend?: 'wasm' | 'cpu';
  /** Install the wasm kernel workarounds of patch-wasm-kernels.ts (no effect on `cpu`). Default `true`. */
  patchKernels?: boolean;
}

export interface EngineInfo {
  backend: string;
  /** Whether the SIMD build of the wasm binary is running. */
  simd: boolean;
  /** Threads the backend computes with (always 1 in Node: the threaded build cannot start its workers). */
  threads: number;
}

const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';
let environmentReady = false;
let pending: Promise<unknown> = Promise.resolve();

/**
 * Selects and initialises the backend. Idempotent, and declarative: each call brings the engine to the
 * state its options describe (so a later call may switch backend or remove the patches). Calls are
 * serialised. The wasm binary is read from node_modules; nothing is fetched. Call it before the first
 * tensor op: otherwise tfjs picks and initialises a backend on its own, without these settings.
 */
export function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  const result = pending.then(() => configure(options));
  pending = result.catch(() => undefined);
  return result;
}

async function configure(options: EngineOptions): Promise<EngineInfo> {
  const backend = options.backend ?? 'wasm';
  if (!environmentReady) prepareEnvironment();
  if (options.patchKernels ?? true) patchWasmKernels();
  else unpatchWasmKernels();
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new IotIdsError(`could not initialise the tfjs "${backend}" backend`);
  }
  await tf.ready();
  if (backend === 'cpu') return { backend, simd: false, threads: 1 };
  return {
    backend,
    simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
    threads: getThreadsCount(),
  };
}

function prepareEnvironment(): void {
  // Production mode silences the "install tfjs-node" banner and the kernel re-registration warnings.
  tf.enableProdMode();
  // The threaded build would start workers from a blob URL, which fails in Node.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const require = createRequire(import.meta.url);
  const folder = path.join(
    path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  if (!existsSync(path.join(folder, WASM_BINARY))) {
    throw new IotIdsError(
      `${path.join(folder, WASM_BINARY)}: wasm binary missing; reinstall @tensorflow/tfjs-backend-wasm`,
    );
  }
  // A file path (not a URL): emscripten then reads the binary with fs instead of fetching it.
  setWasmPaths(folder + path.sep);
  environmentReady = true;
}

/** Tensors alive in the engine; compare before and after a computation to find leaks. */
export function liveTensorCount(): number {
  return tf.memory().numTensors;
}

/**
 * Makes tfjs randomness reproducible by replacing `Math.random` process-wide with a seeded `Random`.
 *
 * Seeded (each draws from `Math.random` when given no seed of its own): layer initialisers, `Dropout`
 * masks (a fresh mask per step), `tf.random*` and `tf.dropout` without a `seed`, `model.fit`'s shuffling
 * and `tf.util.shuffle`. Results repeat only if the same calls happen in the same order after seeding.
 *
 * Not seeded / pitfalls: anything given an explicit `seed` is tfjs's own business, and a `seed` passed to
 * `tf.dropout`/`tf.layers.dropout`/`tf.randomUniform` yields the *same* numbers on every call (tfjs
 * restarts its generator from the seed), so do not pass one for dropout. A seed of 0 means "no seed" to
 * tfjs. Mini-batch order in `miniBatches` uses the `Random` handed to it, not this.
 */
export function seedEngine(seed: number): void {
  const random = new Random(seed);
  Math.random = () => random.next();
}
