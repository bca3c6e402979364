/**
 * Does `v8.setFlagsFromString('--experimental-wasm-relaxed-simd')` give Node 20 a fused f32x4.relaxed_madd,
 * and what does it buy in a matrix-product tile? A measurement only: no kernel of the project uses relaxed
 * SIMD (an experimental flag is not a default). Builds its module from WebAssembly text with wabt's
 * `wat2wasm --enable-relaxed-simd` (Debian package wabt; clang 14 has no relaxed-SIMD builtins), then:
 * - compiles it without the flag (expected: refused) and after setting it;
 * - checks fusion: a·b + c with a = b = 1 + 2⁻¹², c = −(1 + 2⁻¹¹) is 2⁻²⁴ fused and 0 with two roundings;
 * - times R × V register tiles (R rows, V vectors of 4, 128 k steps from L1) with relaxed_madd and with
 *   f32x4.mul + f32x4.add: GFLOP per CPU second, best of 5.
 *
 *   node --import tsx bench/relaxed-simd.ts
 * Prints one JSON line and one human line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';

const TILES: readonly (readonly [number, number])[] = [
  [4, 2],
  [3, 3],
  [4, 3],
];

function tile(name: string, fused: boolean, rows: number, vectors: number): string {
  const acc = (r: number, v: number) => `$c${r}_${v}`;
  const body: string[] = [];
  for (let v = 0; v < vectors; v++)
    body.push(`(local.set $b${v} (v128.load offset=${16 * v} (local.get $bp)))`);
  for (let r = 0; r < rows; r++) {
    body.push(`(local.set $s (v128.load32_splat offset=${4 * r} (local.get $ap)))`);
    for (let v = 0; v < vectors; v++) {
      body.push(
        fused
          ? `(local.set ${acc(r, v)} (f32x4.relaxed_madd (local.get $s) (local.get $b${v}) (local.get ${acc(r, v)})))`
          : `(local.set ${acc(r, v)} (f32x4.add (local.get ${acc(r, v)}) (f32x4.mul (local.get $s) (local.get $b${v}))))`,
      );
    }
  }
  const locals: string[] = [];
  let sum = `(local.get ${acc(0, 0)})`;
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++) {
      locals.push(`(local ${acc(r, v)} v128)`);
      if (r || v) sum = `(f32x4.add ${sum} (local.get ${acc(r, v)}))`;
    }
  }
  for (let v = 0; v < vectors; v++) locals.push(`(local $b${v} v128)`);
  return `(func (export "${name}") (param $n i32) (result f32)
  (local $ap i32) (local $bp i32) (local $k i32) (local $s v128) ${locals.join(' ')}
  (block $done (loop $outer
    (br_if $done (i32.eqz (local.get $n)))
    (local.set $ap (i32.const 0)) (local.set $bp (i32.const 4096)) (local.set $k (i32.const 128))
    (loop $inner
      ${body.join('\n      ')}
      (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 64)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br_if $inner (local.get $k)))
    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
    (br $outer)))
  (f32x4.extract_lane 0 ${sum}))`;
}

const wat = `(module (memory (export "memory") 1)
(func (export "one")
  (v128.store (i32.const 64) (f32x4.relaxed_madd (v128.load (i32.const 0)) (v128.load (i32.const 16)) (v128.load (i32.const 32)))))
${TILES.flatMap(([r, v]) => [tile(`relaxed${r}x${v}`, true, r, v), tile(`muladd${r}x${v}`, false, r, v)]).join('\n')})`;

const dir = mkdtempSync(join(tmpdir(), 'relaxed-simd-'));
let bytes: Buffer;
try {
  writeFileSync(join(dir, 'tile.wat'), wat);
  execFileSync('wat2wasm', ['--enable-relaxed-simd', join(dir, 'tile.wat'), '-o', join(dir, 'tile.wasm')]);
  bytes = readFileSync(join(dir, 'tile.wasm'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

let withoutFlag = 'compiles';
try {
  new WebAssembly.Module(bytes);
} catch (e) {
  withoutFlag = `refused: ${(e as Error).message.slice(0, 120)}`;
}
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
const exports = instance.exports as unknown as Record<string, (n?: number) => number> & {
  memory: WebAssembly.Memory;
};
const memory = new Float32Array(exports.memory.buffer);
const a = 1 + 2 ** -12;
memory.set([a, a, a, a, a, a, a, a], 0);
memory.fill(-(1 + 2 ** -11), 8, 12);
exports.one();
const fused = memory[16] !== 0;

for (let i = 0; i < 16384; i++) memory[i] = 1e-6 * ((i % 7) + 1);
const repetitions = 40_000;
const gflops: Record<string, number> = {};
for (const [r, v] of TILES) {
  for (const op of ['relaxed', 'muladd']) {
    const f = exports[`${op}${r}x${v}`];
    f(1000);
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const before = process.cpuUsage();
      f(repetitions);
      const used = process.cpuUsage(before);
      best = Math.min(best, (used.user + used.system) / 1e6);
    }
    gflops[`${op}${r}x${v}`] = Number(((repetitions * 128 * r * v * 4 * 2) / best / 1e9).toFixed(1));
  }
}
const result = {
  bench: 'relaxed-simd',
  node: process.version,
  withoutFlag,
  fused,
  gflopsPerCpuSecond: gflops,
};
console.log(JSON.stringify(result));
console.log(
  `relaxed SIMD on Node ${process.version}: without the flag ${withoutFlag.split(':')[0]}; with it relaxed_madd is ${fused ? 'fused (one rounding)' : 'not fused'}; ` +
    TILES.map(
      ([r, v]) => `${r}×${v} tile ${gflops[`relaxed${r}x${v}`]} vs ${gflops[`muladd${r}x${v}`]} GFLOP/s`,
    ).join(', '),
);
