import { IotIdsError } from '../errors.js';

// Compiled modules, by kernel name: compiled once per process and instantiated as often as needed. V8 first
// runs a new module's code from its baseline compiler and optimises hot functions in the background, so a
// module compiled anew for every network, forest or detector would start slow every time.
const compiled = new Map<string, WebAssembly.Module>();

/**
 * The compiled module of one of the committed WebAssembly kernels (src/**\/wasm/NAME.wasm.ts, built by
 * scripts/build-wasm.sh), compiled on first use. A module can be posted to a worker thread, which then
 * hands it to `adoptCompiledWasm` instead of compiling the kernel again.
 */
export function compiledWasm(base64: string, name: string): WebAssembly.Module {
  let module = compiled.get(name);
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
    } catch (cause) {
      throw new IotIdsError(`cannot compile the WebAssembly kernel ${name}`, { cause });
    }
    compiled.set(name, module);
  }
  return module;
}

/** Makes `module` (compiled by another thread and posted here) the one this thread instantiates for `name`. */
export function adoptCompiledWasm(name: string, module: WebAssembly.Module): void {
  if (!compiled.has(name)) compiled.set(name, module);
}

/**
 * A fresh instance (its own memory) of one of the committed WebAssembly kernels. Synchronous on purpose:
 * the modules are a few kilobytes, and estimators construct their kernels inside synchronous `fit` /
 * `predict` calls.
 */
export function instantiateWasm(base64: string, name: string): WebAssembly.Instance {
  const module = compiledWasm(base64, name);
  try {
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
