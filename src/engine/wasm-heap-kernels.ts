/**
 * Kernels that copy straight between places on the wasm heap instead of running the shipped generic code
 * (see patch-wasm-kernels.ts for why each exists). Each takes the shipped kernel for the cases it leaves
 * alone. All of them read heap offsets and views only after `makeOutput`, whose malloc may grow, and so
 * replace, the heap buffer.
 */
import * as tf from '@tensorflow/tfjs';

import { IotIdsError } from '../errors.js';

/** The part of tfjs-backend-wasm's `BackendWasm` the patches touch. */
export interface WasmBackendInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

export interface KernelArgs<Inputs extends string> {
  inputs: Record<Inputs, tf.TensorInfo>;
  attrs?: tf.NamedAttrMap;
}

export function heapSlice(original: tf.KernelFunc): tf.KernelFunc {
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

export function heapTile(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs<'x'>;
    const x = inputs.x;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const reps = attrs?.reps as number[];
    const out = backend.makeOutput(
      x.shape.map((size, axis) => size * reps[axis]),
      x.dtype,
    );
    if (tf.util.sizeFromShape(out.shape) === 0) return out;
    copyTiled(
      backend.wasm.HEAPU8,
      tf.util.bytesPerElement(x.dtype),
      x.shape,
      reps,
      heapOffset(backend, x),
      heapOffset(backend, out),
    );
    return out;
  };
}

/**
 * Writes the first tile of each axis from the inside out: the innermost run is copied from the input,
 * then every finished block is repeated along its axis by doubling copies.
 */
function copyTiled(
  heap: Uint8Array,
  bytes: number,
  shape: number[],
  reps: number[],
  xStart: number,
  outStart: number,
): void {
  const rank = shape.length;
  if (rank === 0) {
    heap.copyWithin(outStart, xStart, xStart + bytes);
    return;
  }
  const xStrides = [...tf.util.computeStrides(shape), 1];
  const outStrides = [...tf.util.computeStrides(shape.map((size, axis) => size * reps[axis])), 1];
  const repeat = (start: number, blockBytes: number, times: number) => {
    const total = blockBytes * times;
    for (let filled = blockBytes; filled < total; filled += Math.min(filled, total - filled)) {
      heap.copyWithin(start + filled, start, start + Math.min(filled, total - filled));
    }
  };
  const fill = (axis: number, xOffset: number, outOffset: number): void => {
    if (axis === rank - 1) {
      heap.copyWithin(outOffset, xOffset, xOffset + shape[axis] * bytes);
    } else {
      for (let i = 0; i < shape[axis]; i++) {
        fill(axis + 1, xOffset + i * xStrides[axis] * bytes, outOffset + i * outStrides[axis] * bytes);
      }
    }
    repeat(outOffset, shape[axis] * outStrides[axis] * bytes, reps[axis]);
  };
  fill(0, xStart, outStart);
}

const MIN_GATHER_RUN = 8;

export function heapGather(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs<'x' | 'indices'>;
    const { x, indices } = inputs;
    if (x.dtype === 'string' || x.dtype === 'complex64' || indices.dtype !== 'int32') return original(args);
    const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0];
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x,
      indices,
      axis,
      (attrs?.batchDims as number | undefined) ?? 0,
    );
    if (info.sliceSize < MIN_GATHER_RUN) return original(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const out = backend.makeOutput(info.outputShape, x.dtype);
    const perBatch = tf.util.sizeFromShape(indices.shape) / info.batchSize;
    if (tf.util.sizeFromShape(info.outputShape) === 0) return out;
    const heap = backend.wasm.HEAPU8;
    const ids = new Int32Array(
      heap.buffer,
      heap.byteOffset + heapOffset(backend, indices),
      perBatch * info.batchSize,
    );
    const runBytes = info.sliceSize * tf.util.bytesPerElement(x.dtype);
    const xStart = heapOffset(backend, x);
    let outOffset = heapOffset(backend, out);
    for (let b = 0; b < info.batchSize; b++) {
      for (let o = 0; o < info.outerSize; o++) {
        const block = xStart + (b * info.outerSize + o) * info.dimSize * runBytes;
        for (let i = 0; i < perBatch; i++) {
          const index = ids[b * perBatch + i];
          if (!(index >= 0 && index < info.dimSize)) {
            backend.disposeData(out.dataId);
            throw new IotIdsError(`GatherV2: index ${index} is not in [0, ${info.dimSize - 1}]`);
          }
          heap.copyWithin(outOffset, block + index * runBytes, block + (index + 1) * runBytes);
          outOffset += runBytes;
        }
      }
    }
    return out;
  };
}

export function leadingAxesReduction(original: tf.KernelFunc, kind: 'sum' | 'mean'): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as KernelArgs<'x'>;
    const x = inputs.x;
    const axes = tf.util.parseAxisParam(attrs?.axis as number | number[], x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((axis, i) => axis === i);
    if (x.dtype !== 'float32' || !leading) return original(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const kept = x.shape.slice(axes.length);
    const out = backend.makeOutput(
      attrs?.keepDims === true ? [...axes.map(() => 1), ...kept] : kept,
      'float32',
    );
    const width = tf.util.sizeFromShape(kept);
    const rows = tf.util.sizeFromShape(x.shape) / Math.max(width, 1);
    if (width === 0) return out;
    // Accumulates in doubles, like the cpu backend.
    const heap = backend.wasm.HEAPU8;
    const values = new Float32Array(heap.buffer, heap.byteOffset + heapOffset(backend, x), rows * width);
    const totals = addRows(values, rows, width);
    const scale = kind === 'mean' ? 1 / rows : 1;
    const result = new Float32Array(heap.buffer, heap.byteOffset + heapOffset(backend, out), width);
    for (let column = 0; column < width; column++) result[column] = totals[column] * scale;
    return out;
  };
}

/** Column totals of a rows × width block; four rows per pass halve the loads and stores of `totals`. */
function addRows(values: Float32Array, rows: number, width: number): Float64Array {
  const totals = new Float64Array(width);
  let row = 0;
  for (; row + 4 <= rows; row += 4) {
    const a = row * width;
    const b = a + width;
    const c = b + width;
    const d = c + width;
    for (let column = 0; column < width; column++) {
      totals[column] += values[a + column] + values[b + column] + values[c + column] + values[d + column];
    }
  }
  for (; row < rows; row++) {
    const start = row * width;
    for (let column = 0; column < width; column++) totals[column] += values[start + column];
  }
  return totals;
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
