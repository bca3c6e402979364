import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';

/**
 * Multi-class verdicts of a classifier plus the anomaly detector: each row gets the arg-max of the
 * classifier's scores, except a row the classifier calls normal while the autoencoder finds it anomalous —
 * an "attack of an unknown type" — which gets the arg-max of `routeScores` over the attack classes (every
 * column but `normalIndex`). With `routeScores` = the classifier's scores (the default) that is its most
 * probable attack class: it has no class for an unseen attack type, so its nearest known attack class is
 * the best guess available, and the row is an attack either way. A router fitted on attack rows only (its
 * normal column ignored) is the other route.
 */
export function routeAnomalies(
  scores: Matrix,
  anomalous: ArrayLike<number>,
  normalIndex: number,
  routeScores: Matrix = scores,
): Int32Array {
  const k = scores.cols;
  if (anomalous.length !== scores.rows) {
    throw new IotIdsError(
      `${scores.rows} classifier score rows but ${anomalous.length} anomaly verdicts: they must match`,
    );
  }
  if (routeScores.rows !== scores.rows || routeScores.cols !== k) {
    throw new IotIdsError(
      `${scores.rows} × ${k} classifier scores but ${routeScores.rows} × ${routeScores.cols} routing ` +
        'scores: they must match',
    );
  }
  if (!Number.isInteger(normalIndex) || normalIndex < 0 || normalIndex >= k) {
    throw new IotIdsError(`normal class index ${normalIndex} is not one of the ${k} score columns`);
  }
  if (k < 2) throw new IotIdsError('routing an anomaly to an attack class needs at least one attack class');
  const out = new Int32Array(scores.rows);
  for (let i = 0; i < scores.rows; i++) {
    const row = i * k;
    let best = 0;
    for (let j = 1; j < k; j++) if (scores.data[row + j] > scores.data[row + best]) best = j;
    if (best === normalIndex && anomalous[i]) {
      best = normalIndex === 0 ? 1 : 0;
      for (let j = 0; j < k; j++) {
        if (j !== normalIndex && routeScores.data[row + j] > routeScores.data[row + best]) best = j;
      }
    }
    out[i] = best;
  }
  return out;
}
