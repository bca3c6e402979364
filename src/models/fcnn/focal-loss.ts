/**
 * Focal loss (Lin et al. 2017), −(1 − p)^γ · log p for the probability p the softmax gives a row's label:
 * rows the network already gets right (p near 1) weigh little, so training spends its steps on the rows it
 * gets wrong — rare classes and the hard edges of common ones — without the large per-class weights that
 * made training swing. γ = 0 is cross-entropy. Class weights still multiply it (the α of the paper).
 *
 * Its gradient with respect to the logits has cross-entropy's shape scaled per row:
 * ∂L/∂z_c = F · (p_c − [c = label]) with F = q^γ − γ · q^(γ−1) · p · log p, where q = 1 − p (F = 1 at γ = 0).
 * Both are computed from q and log p given directly (q as the other classes' share of the softmax sum, log p
 * from the logits), so they stay exact when p rounds to 1 in floating point.
 */
export function focalTerms(q: number, logP: number, gamma: number): { loss: number; scale: number } {
  if (gamma === 0) return { loss: -logP, scale: 1 };
  if (q <= 0) return { loss: 0, scale: 0 };
  const p = 1 - q;
  const qGamma = q ** gamma;
  return { loss: -qGamma * logP, scale: qGamma - gamma * (qGamma / q) * p * logP };
}
