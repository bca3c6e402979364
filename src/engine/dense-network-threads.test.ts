import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { IotIdsError } from '../errors.js';
import { createMatrix, type Matrix } from '../preprocess/matrix.js';
import { Random } from '../util/random.js';
import { DenseNetworkKernel, type DenseLayer } from './dense-network.js';
import { THREADED_CHUNK_ROWS, THREADED_MIN_ROWS, ThreadedDenseNetwork } from './dense-network-threads.js';
import { initEngine } from './index.js';

function network(random: Random, widths: number[]): DenseLayer[] {
  return widths.slice(1).map((units, i) => {
    const inputs = widths[i];
    const kernel = Float32Array.from({ length: inputs * units }, () => 2 * random.next() - 1);
    const bias = Float32Array.from({ length: units }, () => 0.1 * random.normal());
    return { inputs, units, kernel, bias, relu: i < widths.length - 2 };
  });
}

function rows(random: Random, count: number, cols: number): Matrix {
  const data = new Float32Array(count * cols);
  for (let i = 0; i < data.length; i++) if (random.next() < 0.2) data[i] = random.next();
  return createMatrix(count, cols, data);
}

describe('ThreadedDenseNetwork (the scoring kernel on the calling thread and a helper)', () => {
  const random = new Random(5);
  // Widths not multiples of 4; outputs through the softmax.
  const layers = network(random, [21, 13, 6, 5]);
  const single = new DenseNetworkKernel(layers);
  const threaded = new ThreadedDenseNetwork(layers);

  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
  });
  afterAll(async () => {
    await threaded.close();
  });

  it('gives the one-thread probabilities bit for bit, small and odd batches included', () => {
    // Below the threshold (one thread), a single row, odd sizes around the threshold and a chunk.
    for (const count of [
      1,
      7,
      THREADED_MIN_ROWS - 1,
      THREADED_MIN_ROWS + 1,
      3 * THREADED_CHUNK_ROWS * 3 + 5,
    ]) {
      const x = rows(random, count, 21);
      expect(Array.from(threaded.predict(x).data)).toEqual(Array.from(single.predict(x).data));
    }
  });

  it('the helper takes chunks once it has started, still bit for bit', async () => {
    const x = rows(random, 2 * THREADED_MIN_ROWS + 333, 21);
    const expected = Array.from(single.predict(x).data);
    // The helper starts on the first large batch and may miss the first ones: at most 100 batches.
    for (let attempt = 0; attempt < 100 && threaded.helperChunks === 0; attempt++) {
      expect(Array.from(threaded.predict(x).data)).toEqual(expected);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(threaded.helperChunks).toBeGreaterThan(0);
  });

  it('rejects a wrong width and use after close()', async () => {
    const other = new ThreadedDenseNetwork(layers);
    expect(() => other.predict(createMatrix(THREADED_MIN_ROWS, 20))).toThrow(/input has 20 columns/);
    await other.close();
    expect(() => other.predict(createMatrix(1, 21))).toThrow(IotIdsError);
  });
});
