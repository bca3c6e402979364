import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { featuresPerSplit, resolveClassWeights, resolveRandomForestOptions } from './options.js';

describe('random forest options', () => {
  it('fills the documented defaults', () => {
    const o = resolveRandomForestOptions();
    expect(o).toMatchObject({
      nEstimators: 100,
      maxDepth: null,
      minSamplesLeaf: 1,
      maxFeatures: 'sqrt',
      classWeight: null,
      maxBins: 255,
      bootstrap: true,
      seed: 1,
    });
    expect(o.nJobs).toBeGreaterThanOrEqual(1);
    expect(o.nJobs).toBeLessThanOrEqual(2);
    expect(resolveRandomForestOptions({ maxDepth: undefined }).maxDepth).toBeNull();
  });

  it('throws usage errors naming the option', () => {
    const bad = [
      [{ minSamplesLeaf: 0.5 }, 'minSamplesLeaf'],
      [{ maxBins: 1 }, 'maxBins'],
      [{ seed: 1.5 }, 'seed'],
      [{ maxFeatures: 0 }, 'maxFeatures'],
      [{ maxFeatures: 'all' }, 'maxFeatures'],
      [{ classWeight: [0, 0] }, 'classWeight'],
      [{ classWeight: 'auto' }, 'classWeight'],
      [{ bootstrap: 'yes' }, 'bootstrap'],
    ] as const;
    for (const [options, name] of bad) {
      let error: unknown;
      try {
        resolveRandomForestOptions(options as never);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(IotIdsError);
      expect((error as IotIdsError).kind).toBe('usage');
      expect((error as Error).message).toContain(`"${name}"`);
    }
  });

  it('turns maxFeatures into a count per split', () => {
    expect(featuresPerSplit('sqrt', 122)).toBe(11);
    expect(featuresPerSplit('log2', 122)).toBe(6);
    expect(featuresPerSplit(0.5, 122)).toBe(61);
    expect(featuresPerSplit(1, 122)).toBe(122);
    expect(featuresPerSplit(0.001, 122)).toBe(1);
    expect(featuresPerSplit(7, 122)).toBe(7);
    expect(() => featuresPerSplit(200, 122)).toThrow(/only 122 features/);
  });

  it("computes 'balanced' weights as n / (k · count) and checks explicit ones", () => {
    const y = Int32Array.from([0, 0, 0, 1]);
    expect(Array.from(resolveClassWeights('balanced', y, 3))).toEqual([4 / 9, 4 / 3, 0]);
    expect(Array.from(resolveClassWeights(null, y, 2))).toEqual([1, 1]);
    expect(Array.from(resolveClassWeights([2, 5], y, 2))).toEqual([2, 5]);
    expect(() => resolveClassWeights([1, 2, 3], y, 2)).toThrow(/3 weights but there are 2 classes/);
  });
});
