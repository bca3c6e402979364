import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { resolveSvmOptions, svmDefaults } from './options.js';

describe('resolveSvmOptions', () => {
  it('fills every default and keeps given values', () => {
    expect(resolveSvmOptions()).toEqual(svmDefaults);
    const o = resolveSvmOptions({ kernel: 'rbf', gamma: 0.5, classWeight: 'balanced', epochs: undefined });
    expect(o.kernel).toBe('rbf');
    expect(o.gamma).toBe(0.5);
    expect(o.classWeight).toBe('balanced');
    expect(o.epochs).toBe(svmDefaults.epochs);
  });

  it.each([
    [{ kernel: 'poly' }, /"kernel"/],
    [{ rffComponents: 0 }, /"rffComponents"/],
    [{ gamma: -1 }, /"gamma"/],
    [{ gamma: 'auto' }, /"gamma"/],
    [{ l2: Number.NaN }, /"l2"/],
    [{ epochs: 1.5 }, /"epochs"/],
    [{ batchSize: 0 }, /"batchSize"/],
    [{ learningRate: 0 }, /"learningRate"/],
    [{ patience: 0 }, /"patience"/],
    [{ classWeight: 'auto' }, /"classWeight"/],
    [{ C: 1 }, /unknown option "C"/],
  ])('rejects %j with a usage error naming the option', (partial, message) => {
    let error: unknown;
    try {
      resolveSvmOptions(partial as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as IotIdsError).kind).toBe('usage');
    expect((error as Error).message).toMatch(message);
  });
});
