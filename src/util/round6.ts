/** Probabilities are float32: six decimals is all they hold, and stored alerts and JSON lines read better. */
export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
