import { IotIdsError } from '../errors.js';

// Compiled modules, by kernel name: compiled once per process and instantiated as often as needed. V8 first
// runs a new module's code from its baseline compiler and optimises hot functions in the background, so a
// module compiled anew for every network, forest or detector would start slow every time.
const compiled = new Map<string, WebAssembly.Module>();

/**
 * A fresh instance (its own memory) of one of the committed WebAssembly kernels (src/**\/wasm/NAME.wasm.ts,
 * built by scripts/build-wasm.sh). Synchronous on purpose: the modules are a few kilobytes, and estimators
 * construct their kernels inside synchronous `fit` / `predict` calls.
 */
export function instantiateWasm(base64: string, name: string): WebAssembly.Instance {
  try {
    let module = compiled.get(name);
    if (module === undefined) {
      module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
      compiled.set(name, module);
    }
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
