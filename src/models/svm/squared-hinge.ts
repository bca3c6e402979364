/**
 * One-vs-rest linear decision functions f_c(z) = W_c · z + b_c and their squared hinge loss
 * Σ_c max(0, 1 − t_c · f_c(z))² with t_c = +1 for the row's class and −1 otherwise (the L2-SVM of
 * LinearSVC's default loss and of Tang 2013). Squared hinge is differentiable, so Adam converges smoothly
 * where plain hinge would need a decaying step; its margins are read the same way.
 *
 * Weights are class-major (`weight[c · nFeatures + f]`) so every inner loop runs over a contiguous row.
 */
export interface LinearDecision {
  readonly nFeatures: number;
  readonly nClasses: number;
  /** nClasses × nFeatures, row-major. */
  readonly weight: Float32Array;
  /** One intercept per class. */
  readonly bias: Float32Array;
}

/** Decision values of `nRows` feature rows `z` (row-major) into `out` (nRows × nClasses). */
export function decisionValues(
  head: LinearDecision,
  z: Float32Array,
  nRows: number,
  out: Float32Array,
): void {
  const p = head.nFeatures;
  const k = head.nClasses;
  const w = head.weight;
  const tail = p - (p % 4);
  for (let i = 0; i < nRows; i++) {
    const zo = i * p;
    for (let c = 0; c < k; c++) {
      const wo = c * p;
      // Four partial sums break the add dependency chain; V8 then keeps several multiplies in flight.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let f = 0;
      for (; f < tail; f += 4) {
        s0 += z[zo + f] * w[wo + f];
        s1 += z[zo + f + 1] * w[wo + f + 1];
        s2 += z[zo + f + 2] * w[wo + f + 2];
        s3 += z[zo + f + 3] * w[wo + f + 3];
      }
      for (; f < p; f++) s0 += z[zo + f] * w[wo + f];
      out[i * k + c] = s0 + s1 + s2 + s3 + head.bias[c];
    }
  }
}

/** Σ over rows of the row weight times its squared hinge loss; the same per-row loss as training. */
export function squaredHingeSum(
  scores: Float32Array,
  nClasses: number,
  labels: ArrayLike<number>,
  rowWeights: ArrayLike<number> | null,
): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    let row = 0;
    for (let c = 0; c < nClasses; c++) {
      const margin = 1 - (labels[i] === c ? 1 : -1) * scores[i * nClasses + c];
      if (margin > 0) row += margin * margin;
    }
    total += rowWeights === null ? row : rowWeights[i] * row;
  }
  return total;
}

export interface BatchGradient {
  /** Same layout as the head's weight. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/**
 * Gradient of `(1 / nRows) · Σ_i w_i · loss_i` (the data term only; the caller adds the L2 term) into
 * `gradient`, which is overwritten. `scores` must hold the decision values of `z`; returns the weighted
 * loss sum and the number of rows whose arg-max is their label.
 */
export function squaredHingeGradient(
  head: LinearDecision,
  z: Float32Array,
  scores: Float32Array,
  labels: ArrayLike<number>,
  rowWeights: ArrayLike<number> | null,
  gradient: BatchGradient,
): { lossSum: number; correct: number } {
  const p = head.nFeatures;
  const k = head.nClasses;
  const n = labels.length;
  gradient.weight.fill(0);
  gradient.bias.fill(0);
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    const rowWeight = rowWeights === null ? 1 : rowWeights[i];
    let best = 0;
    for (let c = 0; c < k; c++) {
      const s = scores[i * k + c];
      if (s > scores[i * k + best]) best = c;
      const t = label === c ? 1 : -1;
      const margin = 1 - t * s;
      if (margin <= 0 || rowWeight === 0) continue;
      lossSum += rowWeight * margin * margin;
      const g = (-2 * rowWeight * t * margin) / n;
      gradient.bias[c] += g;
      const go = c * p;
      const zo = i * p;
      for (let f = 0; f < p; f++) gradient.weight[go + f] += g * z[zo + f];
    }
    if (best === label) correct++;
  }
  return { lossSum, correct };
}
