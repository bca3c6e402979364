import type { Matrix } from '../../src/preprocess/matrix.js';
import type { Random } from '../../src/util/random.js';

/**
 * `rows` × `cols` standard-normal features labelled by a random linear teacher (arg-max of x · W over
 * `classes`), so a model has something learnable to fit. Draws features row by row, then the teacher.
 */
export function linearTeacherData(
  random: Random,
  rows: number,
  cols: number,
  classes: number,
): { x: Matrix; y: Int32Array } {
  const data = Float32Array.from({ length: rows * cols }, () => random.normal());
  const teacher = Float32Array.from({ length: cols * classes }, () => random.normal());
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      let score = 0;
      for (let f = 0; f < cols; f++) score += data[r * cols + f] * teacher[f * classes + c];
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    y[r] = best;
  }
  return { x: { rows, cols, data }, y };
}
