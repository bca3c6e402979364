/**
 * Workarounds for performance defects of @tensorflow/tfjs-backend-wasm 4.22 (see
 * /work/shared/notes/engine.md), installed by re-registering the kernels. They lean on backend internals
 * (`dataIdMap`, `makeOutput`, the emscripten heap), so both tfjs packages are pinned to the same exact
 * version and the tests beside this file compare every patched kernel with the `cpu` backend.
 *
 * 1. `BatchMatMul` / `_FusedMatMul` with `transposeA` / `transposeB` leave XNNPACK's fast route (a naive
 *    blocked loop runs instead) and are 2–8× slower; every backward pass asks for them. The patched kernels
 *    transpose the operand with the backend's own `Transpose` kernel and call the original untransposed.
 *    Batched (3-D) products always take the slow loop, transposed or not.
 * The others live in wasm-heap-kernels.ts:
 * 2. `Slice` copies its whole input out of the wasm heap on every call (67 ms per batch when slicing the
 *    training set). The patched kernel copies only the requested elements, heap to heap.
 * 3. `Tile` computes every output element's source index generically; the gradient of `tf.batchNorm`
 *    (so every `tf.layers.batchNormalization` in training) tiles `[1, 1, 1, units]` to the batch and spent
 *    1.5 ms (batch 256) to 5 ms (batch 1024) per step in it. The patched kernel copies whole runs and
 *    doubles them with `copyWithin`.
 * 4. `GatherV2` likewise costs ~30 ns per element (1 ms for a 256-row batch, whatever the source size),
 *    and `model.fit` gathers every batch from the dataset tensors. The patched kernel copies whole rows;
 *    gathers of fewer than 8 contiguous elements keep the shipped kernel.
 * 5. `Sum` / `Mean` transpose their input so the reduced axes come last; for reductions over the batch
 *    axis (bias and BatchNorm gradients, batch statistics) that transpose cost ~17× an elementwise op.
 *    The patched kernels add rows in JS straight from the heap when the reduced axes are the leading ones.
 */
import * as tf from '@tensorflow/tfjs';

import { IotIdsError } from '../errors.js';
import {
  heapGather,
  heapSlice,
  heapTile,
  leadingAxesReduction,
  type KernelArgs,
  type WasmBackendInternals,
} from './wasm-heap-kernels.js';

const WASM = 'wasm';
const PATCHED_KERNELS = [
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.Slice,
  tf.Tile,
  tf.GatherV2,
  tf.Sum,
  tf.Mean,
] as const;

const originals = new Map<string, tf.KernelConfig>();

/** Whether the wasm kernels currently registered are the patched ones. */
export function wasmKernelsPatched(): boolean {
  return originals.size > 0;
}

/**
 * Replaces the wasm `BatchMatMul`, `_FusedMatMul`, `Slice`, `Tile`, `GatherV2`, `Sum` and `Mean` kernels with
 * the patched ones. Idempotent.
 * May run before or after the wasm backend is initialised: the original `setupFunc`s are kept.
 */
export function patchWasmKernels(): void {
  if (wasmKernelsPatched()) return;
  const transpose = requireKernel(tf.Transpose).kernelFunc;
  const replacements: Record<(typeof PATCHED_KERNELS)[number], (original: tf.KernelFunc) => tf.KernelFunc> = {
    [tf.BatchMatMul]: (original) => untransposedMatMul(original, transpose),
    [tf._FusedMatMul]: (original) => untransposedMatMul(original, transpose),
    [tf.Slice]: (original) => heapSlice(original),
    [tf.Tile]: (original) => heapTile(original),
    [tf.GatherV2]: (original) => heapGather(original),
    [tf.Sum]: (original) => leadingAxesReduction(original, 'sum'),
    [tf.Mean]: (original) => leadingAxesReduction(original, 'mean'),
  };
  for (const name of PATCHED_KERNELS) {
    const original = requireKernel(name);
    originals.set(name, original);
    tf.unregisterKernel(name, WASM);
    tf.registerKernel({ ...original, kernelFunc: replacements[name](original.kernelFunc) });
  }
}

/** Puts the kernels tfjs-backend-wasm shipped with back. Idempotent. */
export function unpatchWasmKernels(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, WASM);
    tf.registerKernel(original);
  }
  originals.clear();
}

function requireKernel(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, WASM);
  if (config === undefined) {
    throw new IotIdsError(
      `tfjs-backend-wasm has no ${name} kernel registered; is @tensorflow/tfjs-backend-wasm imported?`,
    );
  }
  return config;
}

function untransposedMatMul(original: tf.KernelFunc, transpose: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs<'a' | 'b'>;
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    if (!transposeA && !transposeB) return original(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const a = inputs.a;
    const b = inputs.b;
    const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
      const rank = x.shape.length;
      const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
      return transpose({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
    };
    const aReady = transposeA ? swapLastTwo(a) : a;
    const bReady = transposeB ? swapLastTwo(b) : b;
    try {
      return original({
        inputs: { ...inputs, a: aReady, b: bReady },
        backend: args.backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      // Kernel-internal tensors are invisible to the engine: release them here or they leak on the heap.
      if (aReady !== a) backend.disposeData(aReady.dataId);
      if (bReady !== b) backend.disposeData(bReady.dataId);
    }
  };
}
