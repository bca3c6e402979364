import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { binMatrix, binOf, computeBinEdges, packTwoBinColumns } from './binning.js';

function columnMatrix(...columns: number[][]): ReturnType<typeof createMatrix> {
  const rows = columns[0].length;
  const data = new Float32Array(rows * columns.length);
  columns.forEach((col, f) => col.forEach((v, i) => (data[i * columns.length + f] = v)));
  return createMatrix(rows, columns.length, data);
}

describe('computeBinEdges', () => {
  it('gives each distinct value its own bin, with midpoint edges, when they fit', () => {
    const bins = computeBinEdges(columnMatrix([3, 1, 2, 1, 3], [0, 0, 0, 0, 0], [1, 0, 1, 0, 0]), 255);
    expect(Array.from(bins.nBins)).toEqual([3, 1, 2]);
    expect(Array.from(bins.edges)).toEqual([1.5, 2.5, 0.5]);
    expect(Array.from(bins.offsets)).toEqual([0, 2, 2, 3]);
  });

  it('caps the bins at maxBins and gives a heavy value one bin, not half of them', () => {
    const random = new Random(1);
    // Half the rows are exactly 0 (like src_bytes), the rest spread out.
    const values = Array.from({ length: 4000 }, (_, i) => (i % 2 === 0 ? 0 : random.next() * 1000));
    const bins = computeBinEdges(columnMatrix(values), 32);
    expect(bins.nBins[0]).toBeLessThanOrEqual(32);
    expect(bins.nBins[0]).toBeGreaterThan(28);
    const binned = binMatrix(columnMatrix(values), bins, false);
    const perBin = new Array<number>(bins.nBins[0]).fill(0);
    binned.forEach((b) => perBin[b]++);
    expect(perBin[0]).toBe(2000);
    // The other 2000 rows spread over the remaining bins at about 2000 / 31 each.
    for (const count of perBin.slice(1)) expect(count).toBeLessThan(130);
  });

  it('bins so that "bin ≤ b" is exactly "value ≤ edge b" on the raw floats', () => {
    const random = new Random(2);
    const values = Array.from({ length: 3000 }, () => Math.fround(random.normal() * 1e-3));
    const m = columnMatrix(values);
    const bins = computeBinEdges(m, 64);
    const binned = binMatrix(m, bins, true);
    expect(binned.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(bins.nBins[0]).toBe(64);
    let mismatches = 0;
    for (let i = 0; i < values.length; i++) {
      if (binOf(bins, 0, values[i]) !== binned[i]) mismatches++;
      for (let b = 0; b + 1 < bins.nBins[0]; b++) {
        if (binned[i] <= b !== values[i] <= bins.edges[b]) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('puts unseen values below, between and above the training range into the edge bins', () => {
    const bins = computeBinEdges(columnMatrix([1, 2, 3]), 255);
    expect(binOf(bins, 0, -100)).toBe(0);
    expect(binOf(bins, 0, 2.2)).toBe(1);
    expect(binOf(bins, 0, 100)).toBe(2);
  });
});

describe('packTwoBinColumns', () => {
  it('packs exactly the two-bin features, one bit a row', () => {
    const random = new Random(3);
    const rows = 70; // not a multiple of 32: the last word is partly used
    const flags = Array.from({ length: rows }, () => (random.next() < 0.3 ? 1 : 0));
    const values = Array.from({ length: rows }, () => random.int(5));
    const m = columnMatrix(
      values,
      flags,
      new Array<number>(rows).fill(2),
      flags.map((v) => 1 - v),
    );
    const bins = computeBinEdges(m, 255);
    const binned = binMatrix(m, bins, false);
    const { words, wordOffset } = packTwoBinColumns(binned, bins.nBins, rows, true);
    expect(words.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(wordOffset)).toEqual([-1, 0, -1, 3]);
    for (const f of [1, 3]) {
      for (let i = 0; i < rows; i++) {
        expect((words[wordOffset[f] + (i >>> 5)] >>> (i & 31)) & 1).toBe(binned[f * rows + i]);
      }
    }
  });
});
