import { describe, expect, it } from 'vitest';
import { loadModel, MODEL_LOADERS } from './model-loaders.js';
import { MODEL_KINDS } from './model-kinds.js';
import { modelDescriptor } from './registry.js';

describe('model loaders', () => {
  it('load every kind the CLI offers, and are the ones the registry uses', () => {
    expect(Object.keys(MODEL_LOADERS).sort()).toEqual([...MODEL_KINDS].sort());
    for (const kind of MODEL_KINDS) expect(modelDescriptor(kind)).toHaveProperty('load', MODEL_LOADERS[kind]);
  });

  it('refuse an unknown kind with the known ones named', () => {
    expect(() => loadModel('toString', '/nowhere', {})).toThrow(
      /unknown model "toString"; known models: rf, svm/,
    );
  });
});
