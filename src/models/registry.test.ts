import { describe, expect, it } from 'vitest';
import { MODEL_KINDS } from './model-kinds.js';
import { modelKinds } from './registry.js';

describe('model registry', () => {
  it('registers exactly the kinds the CLI offers', () => {
    expect([...modelKinds()].sort()).toEqual([...MODEL_KINDS].sort());
  });
});
