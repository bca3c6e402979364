import { IotIdsError } from '../errors.js';

const compiled = new Map<string, WebAssembly.Module>();

/**
 * A fresh instance (its own memory) of one of the engine's committed WebAssembly kernels (wasm/NAME.c),
 * compiled once per process. Unlike util/wasm-module.ts's `instantiateWasm`, which compiles on every call,
 * this keeps the module: V8 keeps the optimised code with it, so a network or training step built later
 * (one per epoch's validation, one per fit) does not start again from the baseline compiler.
 */
export function newKernelInstance(base64: string, name: string): WebAssembly.Instance {
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

/**
 * Lays buffers out one after another from `start` (a kernel's `scratch_base()`), each on a 16-byte
 * boundary so that its SIMD loads and stores are aligned; `end` is the first byte after the last.
 */
export function bufferLayout(start: number): { take: (bytes: number) => number; end: () => number } {
  const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
  let next = align16(start);
  return {
    take: (bytes) => {
      const at = next;
      next = align16(next + bytes);
      return at;
    },
    end: () => next,
  };
}
