/**
 * The VAE objective per row, from the decoder's output logits o (s = σ(o)) and the encoder's μ and
 * log σ²:
 *   reconstruction  'bce': Σ_c softplus(o_c) − x_c·o_c   (binary cross-entropy of s against x)
 *                   'mse': Σ_c (s_c − x_c)²
 *   KL(q(z|x) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²)
 *   loss = reconstruction + β · KL, averaged over the rows of a batch.
 */
import { IotIdsError } from '../../errors.js';
export type ReconstructionKind = 'mse' | 'bce';

// softplus(o) = max(o, 0) − log f with f = σ(o) for o > 0 and 1 − σ(o) otherwise: f ∈ [0.5, 1], the accurate
// one of the two, so a product of 512 factors stays ≥ 2⁻⁵¹² and can be logged once.
const PRODUCT_RUN = 512;

/**
 * Σ of the reconstruction term over `count` values, with `gradient[i] = scale · ∂term/∂o_i` when given
 * (same layout as the inputs). `probabilities` are σ(o) from the engine; `logits` (o) are needed for 'bce'.
 * JS spends ~17 ns on each log or exp, so 'bce' multiplies the factors f and takes one log per 512.
 */
export function reconstructionSum(
  probabilities: Float32Array,
  logits: Float32Array | null,
  x: Float32Array,
  count: number,
  kind: ReconstructionKind,
  gradient: Float32Array | null,
  scale = 1,
): number {
  if (kind === 'mse') {
    let total = 0;
    for (let i = 0; i < count; i++) {
      const s = probabilities[i];
      const error = s - x[i];
      total += error * error;
      if (gradient) gradient[i] = 2 * error * s * (1 - s) * scale;
    }
    return total;
  }
  if (!logits) throw new IotIdsError('reconstructionSum: the bce term needs the logits');
  let linear = 0;
  let logs = 0;
  let product = 1;
  let factors = 0;
  for (let i = 0; i < count; i++) {
    const s = probabilities[i];
    const o = logits[i];
    const target = x[i];
    if (gradient) gradient[i] = (s - target) * scale;
    // Branch-free (the sign of o is unpredictable): f = s when o > 0, else 1 − s.
    const positive = +(o > 0);
    linear += (positive - target) * o;
    product *= 1 - s + positive * (2 * s - 1);
    if (++factors === PRODUCT_RUN) {
      logs += Math.log(product);
      product = 1;
      factors = 0;
    }
  }
  return linear - (logs + Math.log(product));
}

/** Σ over rows of KL(N(μ, σ²) ‖ N(0, I)) for `[n, 2·latent]` rows holding μ then log σ². */
export function klSum(meanLogVar: Float32Array, n: number, latent: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * 2 * latent;
    for (let j = 0; j < latent; j++) {
      const mu = meanLogVar[row + j];
      const logVar = meanLogVar[row + latent + j];
      total += 0.5 * (mu * mu + Math.exp(logVar) - 1 - logVar);
    }
  }
  return total;
}
