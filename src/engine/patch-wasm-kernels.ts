/**
 * Workarounds for two performance defects of @tensorflow/tfjs-backend-wasm 4.22 (see
 * /work/shared/notes/engine.md). They lean on backend internals (`dataIdMap`, `makeOutput`, the
 * emscripten heap), so both tfjs packages are pinned to the same exact version and
 * patch-wasm-kernels.test.ts compares every patched kernel with the `cpu` backend.
 *
 * 1. `BatchMatMul` / `_FusedMatMul` with `transposeA` / `transposeB` leave XNNPACK's fast route and run
 *    6–8× slower; every backward pass asks for them. The patched kernels transpose the operand with the
 *    backend's own `Transpose` kernel and call the original kernel untransposed.
 * 2. `Slice` copies its whole input out of the wasm heap on every call (67 ms per batch when slicing the
 *    training set). The patched kernel copies only the requested elements, heap to heap.
 */
import * as tf from '@tensorflow/tfjs';

import { IotIdsError } from '../errors.js';

const WASM = 'wasm';
const PATCHED_KERNELS = [tf.BatchMatMul, tf._FusedMatMul, tf.Slice] as const;

/** The part of tfjs-backend-wasm's `BackendWasm` the patches touch. */
interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

interface KernelArgs<Inputs extends string> {
  inputs: Record<Inputs, tf.TensorInfo>;
  attrs?: tf.NamedAttrMap;
}

const originals = new Map<string, tf.KernelConfig>();

/** Whether the wasm kernels currently registered are the patched ones. */
export function wasmKernelsPatched(): boolean {
  return originals.size > 0;
}

/**
 * Replaces the wasm `BatchMatMul`, `_FusedMatMul` and `Slice` kernels with the patched ones. Idempotent.
 * May run before or after the wasm backend is initialised: the original `setupFunc`s are kept.
 */
export function patchWasmKernels(): void {
  if (wasmKernelsPatched()) return;
  const transpose = requireKernel(tf.Transpose).kernelFunc;
  const replacements: Record<(typeof PATCHED_KERNELS)[number], (original: tf.KernelFunc) => tf.KernelFunc> = {
    [tf.BatchMatMul]: (original) => untransposedMatMul(original, transpose),
    [tf._FusedMatMul]: (original) => untransposedMatMul(original, transpose),
    [tf.Slice]: (original) => heapSlice(original),
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
    throw new IotIdsError(`tfjs-backend-wasm has no ${name} kernel registered; is @tensorflow/tfjs-backend-wasm imported?`);
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

function heapSlice(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs<'x'>;
    const x = inputs.x;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const [begin, size] = tf.slice_util.parseSliceParams(
      x,
      attrs?.begin as number | number[],
      attrs?.size as number | number[] | undefined,
    );
    const out = backend.makeOutput(size, x.dtype);
    const count = tf.util.sizeFromShape(size);
    if (count === 0) return out;
    // Read offsets and the heap only after makeOutput: its malloc may grow (and so replace) the heap buffer.
    const heap = backend.wasm.HEAPU8;
    const bytes = tf.util.bytesPerElement(x.dtype);
    const xStart = heapOffset(backend, x);
    const outStart = heapOffset(backend, out);
    const strides = tf.util.computeStrides(x.shape);
    if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
      const from = xStart + tf.slice_util.computeFlatOffset(begin, strides) * bytes;
      heap.copyWithin(outStart, from, from + count * bytes);
      return out;
    }
    copyStridedRuns(heap, bytes, xStart, strides, begin, size, outStart);
    return out;
  };
}

function heapOffset(backend: WasmBackendInternals, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new IotIdsError('wasm Slice: tensor data is not on the wasm heap');
  return data.memoryOffset;
}

/** Copies a non-contiguous slice as runs along the last axis, walking the outer axes like an odometer. */
function copyStridedRuns(
  heap: Uint8Array,
  bytes: number,
  xStart: number,
  strides: number[],
  begin: number[],
  size: number[],
  outStart: number,
): void {
  const rank = size.length;
  const runBytes = size[rank - 1] * bytes;
  const index = new Array<number>(rank - 1).fill(0);
  let out = outStart;
  for (;;) {
    let offset = begin[rank - 1];
    for (let axis = 0; axis < rank - 1; axis++) offset += (begin[axis] + index[axis]) * strides[axis];
    const from = xStart + offset * bytes;
    heap.copyWithin(out, from, from + runBytes);
    out += runBytes;
    let axis = rank - 2;
    while (axis >= 0 && ++index[axis] === size[axis]) index[axis--] = 0;
    if (axis < 0) return;
  }
}
