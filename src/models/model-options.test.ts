import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { MODEL_KINDS } from './model-kinds.js';
import { MODEL_OPTIONS, modelOptionsSpec, parseModelOptions } from './model-options.js';
import { modelDescriptor } from './registry.js';

describe('model options', () => {
  it.each(MODEL_KINDS.map((kind) => [kind]))('%s: its schema accepts its own defaults', (kind) => {
    const { seed: _seed, ...defaults } = MODEL_OPTIONS[kind].defaults;
    expect(parseModelOptions(kind, defaults, 'defaults')).toEqual(defaults);
    expect(Object.isFrozen(MODEL_OPTIONS[kind].defaults)).toBe(true);
  });

  it('the registry validates with the same schema the CLI reads', () => {
    for (const kind of MODEL_KINDS) {
      expect(modelDescriptor(kind).optionsSchema).toBe(MODEL_OPTIONS[kind].optionsSchema);
      expect(modelDescriptor(kind).defaults).toBe(MODEL_OPTIONS[kind].defaults);
    }
    expect(() => modelOptionsSpec('nope')).toThrow(/unknown model "nope"/);
  });

  it.each([
    ['rf', { nJobs: 65 }, 'nJobs'],
    ['rf', { nEstimators: 10_001 }, 'nEstimators'],
    ['rf', { maxFeatures: 1.5 }, 'maxFeatures'],
    ['rf', { classWeight: [0, 0] }, 'classWeight'],
    ['svm', { rffComponents: 70_000 }, 'rffComponents'],
    ['sae-svm', { svm: { kernel: 'poly' } }, 'svm.kernel'],
    ['fcnn', { noSuchOption: 1 }, 'noSuchOption'],
  ] as const)('%s rejects %j at the CLI and in the constructor alike', (kind, options, field) => {
    let error: unknown;
    try {
      parseModelOptions(kind, options, 'flags');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as IotIdsError).location?.field).toBe(field);
    expect((error as Error).message).toContain(`"${field}"`);
    expect(() => modelDescriptor(kind).create(options, 1)).toThrow(`"${field}"`);
  });
});
