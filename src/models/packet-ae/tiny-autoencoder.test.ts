import { describe, expect, it } from 'vitest';
import { Random } from '../../util/random.js';
import { TinyAutoencoder } from './tiny-autoencoder.js';

describe('TinyAutoencoder', () => {
  it('learns to reconstruct a structured input: the error falls with training', () => {
    const random = new Random(1);
    const ae = TinyAutoencoder.create(6, 0.75, random);
    expect(ae.nHidden).toBe(5);
    const sample = (): Float64Array => {
      const a = random.next();
      return Float64Array.of(a, 1 - a, a, 2 * a, 0.5, a * a);
    };
    let early = 0;
    let late = 0;
    for (let i = 0; i < 20_000; i++) {
      const rmse = ae.train(sample(), null, 0.1);
      if (i < 500) early += rmse;
      if (i >= 19_500) late += rmse;
    }
    expect(late).toBeLessThan(early * 0.5);
  });

  it('reads its inputs through an index list and scores 0 before training', () => {
    const ae = TinyAutoencoder.create(2, 0.75, new Random(1));
    const wide = Float64Array.of(9, 1, 9, 2);
    expect(ae.score(wide, Int32Array.of(1, 3))).toBe(0);
    ae.train(wide, Int32Array.of(1, 3), 0.1);
    expect(Array.from(ae.min)).toEqual([1, 2]);
    expect(Number.isFinite(ae.score(wide, Int32Array.of(1, 3)))).toBe(true);
  });

  it('caps the score of inputs far outside the training range instead of overflowing', () => {
    const ae = TinyAutoencoder.create(2, 0.75, new Random(1));
    ae.train(Float64Array.of(0, 0), null, 0.1);
    ae.train(Float64Array.of(1, 1), null, 0.1);
    expect(ae.score(Float64Array.of(1e300, -1e300), null)).toBe(Number.MAX_VALUE);
    expect(ae.score(Float64Array.of(1e6, 0), null)).toBeGreaterThan(1e5);
  });
});
