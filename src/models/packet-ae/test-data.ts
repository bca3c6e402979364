import { Random } from '../../util/random.js';

/**
 * Synthetic samples for the detector's tests: benign rows lie near a 3-dimensional subspace of `width`
 * features (x = A·z + noise, z uniform), anomalous rows break that structure (independent uniform values
 * over the same range). Deterministic per seed.
 */
export function syntheticRows(
  width: number,
  seed: number,
): { benign: () => Float64Array; anomaly: () => Float64Array } {
  const random = new Random(seed);
  const mixing = Float64Array.from({ length: width * 3 }, () => random.next());
  const benign = (): Float64Array => {
    const z = [random.next(), random.next(), random.next()];
    const x = new Float64Array(width);
    for (let i = 0; i < width; i++)
      x[i] =
        mixing[i * 3] * z[0] + mixing[i * 3 + 1] * z[1] + mixing[i * 3 + 2] * z[2] + 0.01 * random.normal();
    return x;
  };
  const anomaly = (): Float64Array => Float64Array.from({ length: width }, () => random.next() * 2);
  return { benign, anomaly };
}
