import { describe, expect, it } from 'vitest';
import { Random } from '../../util/random.js';
import { VaeParameters } from './vae-parameters.js';
import { fillStandardNormal } from './vae-step.js';
import { VaeStepKernel } from './vae-step-kernel.js';

describe('VaeStepKernel.drawNoise (PolarNoise)', () => {
  it('draws bit for bit what successive fillStandardNormal calls draw from the same generator', () => {
    const latent = 5;
    const params = VaeParameters.initial(7, [6], latent, new Random(1));
    // 12 rows × 5: room for 60 draws, 30 pairs; the word buffer (256 words) is refilled every few calls.
    const kernel = new VaeStepKernel(params, { reconstruction: 'bce', beta: 1 }, 12);
    for (const seed of [1, 2]) {
      const reference = new Random(seed);
      const random = new Random(seed);
      // Odd counts (the last pair's second value unused), a single draw, a full batch, none.
      for (const count of [
        60,
        7,
        1,
        60,
        0,
        33,
        59,
        2,
        ...Array.from({ length: 40 }, (_, i) => (i * 17) % 61),
      ]) {
        const expected = new Float32Array(count);
        fillStandardNormal(expected, count, reference);
        kernel.drawNoise(count, random);
        expect(Array.from(kernel.noise.subarray(0, count)), `seed ${seed}, ${count} draws`).toEqual(
          Array.from(expected),
        );
      }
    }
  });

  it('starts a new sequence with a new generator', () => {
    const params = VaeParameters.initial(7, [6], 4, new Random(1));
    const kernel = new VaeStepKernel(params, { reconstruction: 'bce', beta: 1 }, 8);
    kernel.drawNoise(17, new Random(5));
    kernel.drawNoise(32, new Random(9));
    const expected = new Float32Array(32);
    fillStandardNormal(expected, 32, new Random(9));
    expect(Array.from(kernel.noise.subarray(0, 32))).toEqual(Array.from(expected));
  });

  it('rejects more draws than its buffer holds', () => {
    const params = VaeParameters.initial(7, [6], 4, new Random(1));
    const kernel = new VaeStepKernel(params, { reconstruction: 'bce', beta: 1 }, 8);
    expect(() => kernel.drawNoise(33, new Random(1))).toThrow(/at most 32/);
  });
});
