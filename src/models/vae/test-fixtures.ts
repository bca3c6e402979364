import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';

/**
 * Rows shaped like min-max + one-hot flow features, for the tests of this folder: each class has a binary
 * prototype (the one-hot part, 10 % of bits flipped per row) and continuous features in [0, 1] around a
 * class level. Classes take turns row by row. The prototypes depend on the seed: split one draw into
 * training and held-out rows rather than drawing them with two seeds.
 */
export function flowLikeRows(options: { seed: number; rows: number; features?: number; classes?: number }): {
  x: Matrix;
  y: Int32Array;
} {
  const { seed, rows, features = 12, classes = 3 } = options;
  const random = new Random(seed);
  const binary = Math.floor(features / 2);
  const prototypes = Array.from({ length: classes }, () =>
    Array.from({ length: binary }, () => (random.next() < 0.5 ? 1 : 0)),
  );
  const levels = Array.from({ length: classes }, (_, c) => (c + 0.5) / classes);
  const data = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    y[i] = c;
    for (let f = 0; f < features; f++) {
      const value =
        f < binary
          ? prototypes[c][f] ^ (random.next() < 0.1 ? 1 : 0)
          : Math.min(1, Math.max(0, levels[c] + 0.1 * random.normal()));
      data[i * features + f] = value;
    }
  }
  return { x: createMatrix(rows, features, data), y };
}
