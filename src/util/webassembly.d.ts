// The part of the WebAssembly JS API the kernels use. The project compiles with lib ES2023 and Node's types
// only (no DOM lib, which would declare browser globals Node lacks); @types/node 20 declares the namespace but
// not these members, so they are declared here, as the JS API specification defines them.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(deltaPages: number): number;
  }
  type ExportValue = ((...args: number[]) => number) | Memory;
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, ExportValue>;
  }
}
