import { ensureWasmMemory, instantiateWasm } from './wasm-module.js';
import { wasmBase64 } from './wasm/random-words.wasm.js';

interface Kernel {
  memory: WebAssembly.Memory;
  random_words(state: number, out: number, count: number): void;
}

/** The module's own stack lives below this offset; the state and the words go above it. */
const BASE = 1 << 20;
/** Words made per kernel call (256 KB). */
const CHUNK_WORDS = 1 << 16;

let kernel: Kernel | null = null;

/**
 * Fills `out` with the next words of the xoshiro128** generator whose state is `state` (four words, signed
 * as Random keeps them) and advances `state` past them, in the WebAssembly kernel wasm/random-words.c: the
 * same words as Random.nextUint32 would give, ≈ 4× as fast for long arrays.
 */
export function fillRandomWords(state: Int32Array, out: Uint32Array): void {
  kernel ??= instantiateWasm(wasmBase64, 'random-words').exports as unknown as Kernel;
  const buffer = ensureWasmMemory(kernel.memory, BASE + 16 + 4 * CHUNK_WORDS);
  const stateIn = new Int32Array(buffer, BASE, 4);
  const words = new Uint32Array(buffer, BASE + 16, CHUNK_WORDS);
  stateIn.set(state);
  for (let start = 0; start < out.length; start += CHUNK_WORDS) {
    const count = Math.min(CHUNK_WORDS, out.length - start);
    kernel.random_words(BASE, BASE + 16, count);
    out.set(count === CHUNK_WORDS ? words : words.subarray(0, count), start);
  }
  state.set(stateIn);
}
