import { describe, expect, it } from 'vitest';

import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { BatchNormBlockKernel } from './batch-norm-block.js';

// The JavaScript loops the kernel replaced in the FCNN training step (double arithmetic, float32 stores).

function jsColumnSums(z: Float32Array, n: number, u: number) {
  const sum = new Float64Array(u);
  const squares = new Float64Array(u);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < u; j++) {
      const v = z[i * u + j];
      sum[j] += v;
      squares[j] += v * v;
    }
  }
  return { sum, squares };
}

function jsForward(
  z: Float32Array,
  n: number,
  u: number,
  scale: Float64Array,
  shift: Float64Array,
  draws: Uint16Array,
  threshold: number,
  halfKeep: number,
) {
  const out = new Float32Array(n * u);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < u; j++) {
      const y = z[i * u + j] * scale[j] + shift[j];
      const kept = 1 + ((draws[i * u + j] - threshold) >> 31);
      out[i * u + j] = (y + Math.abs(y)) * (halfKeep * kept);
    }
  }
  return out;
}

function jsGate(dh: Float32Array, a: Float32Array, z: Float32Array, n: number, u: number, keep: number) {
  const sumDy = new Float64Array(u);
  const sumDyZ = new Float64Array(u);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < u; j++) {
      const at = i * u + j;
      const dy = dh[at] * (keep * Number(a[at] > 0));
      dh[at] = dy;
      sumDy[j] += dy;
      sumDyZ[j] += dy * z[at];
    }
  }
  return { sumDy, sumDyZ };
}

function jsGradient(dy: Float32Array, z: Float32Array, n: number, u: number, c: Float64Array[]) {
  const dz = new Float32Array(n * u);
  const dzT = new Float32Array(n * u);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < u; j++) {
      const at = i * u + j;
      const value = c[0][j] * dy[at] + c[1][j] * z[at] + c[2][j];
      dz[at] = value;
      dzT[j * n + i] = value;
    }
  }
  return { dz, dzT };
}

const doubles = (random: Random, u: number, spread: number) =>
  Float64Array.from({ length: u }, () => spread * random.normal());

describe('BatchNormBlockKernel (wasm, f64x2) against the JavaScript loops it replaced', () => {
  // Even and odd unit counts (the kernel does 8, 4 and 2 units at a time, then single ones).
  it.each([
    [64, 128],
    [37, 13],
    [5, 1],
    [256, 32],
  ])('%i rows × %i units: every output bit for bit, with and without dropout', (n, u) => {
    const random = new Random(n * 31 + u);
    const kernel = new BatchNormBlockKernel(n * u + 7, u + 1);
    for (const dropout of [0.3, 0]) {
      const z = Float32Array.from({ length: n * u }, () => 2 * random.normal() + 0.5);
      const sum = new Float64Array(u);
      const squares = new Float64Array(u);
      kernel.load(z, n, u, sum, squares);
      const expected = jsColumnSums(z, n, u);
      expect(Array.from(sum)).toEqual(Array.from(expected.sum));
      expect(Array.from(squares)).toEqual(Array.from(expected.squares));

      const scale = doubles(random, u, 1);
      const shift = doubles(random, u, 0.5);
      const threshold = Math.round(dropout * 65536);
      const keepScale = 1 / (1 - dropout);
      const words = kernel.drawWords();
      for (let w = 0; w < words.length; w++) words[w] = random.nextUint32();
      const draws = new Uint16Array(words.buffer, words.byteOffset, n * u).slice();
      const a = new Float32Array(n * u);
      kernel.normaliseReluDropout(scale, shift, threshold, 0.5 * keepScale, a);
      expect(Array.from(a)).toEqual(
        Array.from(jsForward(z, n, u, scale, shift, draws, threshold, 0.5 * keepScale)),
      );

      const dh = Float32Array.from({ length: n * u }, () => random.normal());
      const dyExpected = dh.slice();
      const sums = jsGate(dyExpected, a, z, n, u, keepScale);
      const sumDy = new Float64Array(u);
      const sumDyZ = new Float64Array(u);
      kernel.gate(dh, keepScale, sumDy, sumDyZ);
      expect(Array.from(sumDy)).toEqual(Array.from(sums.sumDy));
      expect(Array.from(sumDyZ)).toEqual(Array.from(sums.sumDyZ));

      const c = [doubles(random, u, 1), doubles(random, u, 0.1), doubles(random, u, 0.01)];
      const dz = new Float32Array(n * u);
      const dzT = new Float32Array(n * u);
      kernel.gradient(c[0], c[1], c[2], dz, dzT);
      const gradient = jsGradient(dyExpected, z, n, u, c);
      expect(Array.from(dz)).toEqual(Array.from(gradient.dz));
      expect(Array.from(dzT)).toEqual(Array.from(gradient.dzT));
      // Without the transposed copy (the first block), the row-major one is the same; `gate` copied dh in
      // and left the caller's array as it was.
      kernel.gate(dh, keepScale, sumDy, sumDyZ);
      const dzOnly = new Float32Array(n * u);
      kernel.gradient(c[0], c[1], c[2], dzOnly, null);
      expect(Array.from(dzOnly)).toEqual(Array.from(gradient.dz));
    }
  });

  it('rejects a block larger than its scratch', () => {
    expect(() => new BatchNormBlockKernel(0, 4)).toThrow(IotIdsError);
    const kernel = new BatchNormBlockKernel(20, 4);
    const sums = [new Float64Array(5), new Float64Array(5)] as const;
    expect(() => kernel.load(new Float32Array(25), 5, 5, ...sums)).toThrow(
      /5 × 5 values \(at most 20, 4 units\)/,
    );
  });
});
