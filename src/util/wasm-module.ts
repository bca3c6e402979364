import { IotIdsError } from '../errors.js';

/**
 * Instantiates one of the committed WebAssembly kernels (src/**\/wasm/NAME.wasm.ts, built by
 * scripts/build-wasm.sh). Synchronous on purpose: the modules are a few kilobytes, and estimators construct
 * their kernels inside synchronous `fit` / `predict` calls.
 */
export function instantiateWasm(base64: string, name: string): WebAssembly.Instance {
  try {
    const module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
    return new WebAssembly.Instance(module, {});
  } catch (cause) {
    throw new IotIdsError(`cannot instantiate the WebAssembly kernel ${name}`, { cause });
  }
}

/** Grows `memory` so that it holds at least `bytes` bytes; returns the memory's buffer after growing. */
export function ensureWasmMemory(memory: WebAssembly.Memory, bytes: number): ArrayBuffer {
  const page = 65536;
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / page));
  return memory.buffer;
}
