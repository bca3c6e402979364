/**
 * Copies tensor values into caller-owned arrays. On wasm this reads the heap directly (backend internals,
 * which is why it lives in the engine): `dataSync` allocates a fresh buffer per call, which costs about as
 * much as the small matrix product that produced the values.
 */
import * as tf from '@tensorflow/tfjs';

import type { WasmBackendInternals } from './wasm-heap-kernels.js';

type WasmHeapAccess = Pick<WasmBackendInternals, 'wasm' | 'dataIdMap'>;

/** Copies a float32 tensor's values into `out` (which must hold at least `tensor.size` values). */
export function readInto(tensor: tf.Tensor, out: Float32Array): void {
  const size = tensor.size;
  if (tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmHeapAccess;
    // tfjs's DataStorage.get first moves data that lives on another backend onto the heap.
    const data = backend.dataIdMap.get(tensor.dataId);
    if (data !== undefined) {
      const heap = backend.wasm.HEAPU8;
      out.set(new Float32Array(heap.buffer, heap.byteOffset + data.memoryOffset, size));
      return;
    }
  }
  out.set(tensor.dataSync());
}

/**
 * `out` ← a · b (or aᵀ · b) for `a` given as the first rows × cols values of a plain array; the product's
 * tensors live only for the call.
 */
export function matMulInto(
  a: Float32Array,
  rows: number,
  cols: number,
  b: tf.Tensor2D,
  out: Float32Array,
  transposeA = false,
): void {
  const aTensor = tf.tensor2d(a.subarray(0, rows * cols), [rows, cols], 'float32');
  try {
    const product = tf.matMul(aTensor, b, transposeA, false);
    try {
      readInto(product, out);
    } finally {
      product.dispose();
    }
  } finally {
    aTensor.dispose();
  }
}
