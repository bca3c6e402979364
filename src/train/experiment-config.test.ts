import { describe, expect, it } from 'vitest';
import { expandGrid, parseExperimentConfig } from './experiment-config.js';

const valid = {
  name: 'paper',
  grid: {
    dataset: ['nsl-kdd', 'kdd99'],
    model: ['rf'],
    task: ['5class', 'ddos-u2r-normal'],
    protocol: ['official'],
  },
  options: { rf: { nEstimators: 10 } },
};

describe('experiment config', () => {
  it('expands the grid per seed, skipping tasks a dataset does not have', () => {
    const config = parseExperimentConfig(valid, 'paper.json');
    const { runs, skipped } = expandGrid(config, 2, (d, t) => !(d === 'nsl-kdd' && t === 'ddos-u2r-normal'));
    expect(runs.map((r) => r.id)).toEqual([
      'nsl-kdd__5class__official__rf__seed1',
      'nsl-kdd__5class__official__rf__seed2',
      'kdd99__5class__official__rf__seed1',
      'kdd99__5class__official__rf__seed2',
      'kdd99__ddos-u2r-normal__official__rf__seed1',
      'kdd99__ddos-u2r-normal__official__rf__seed2',
    ]);
    expect(runs[0].modelOptions).toEqual({ nEstimators: 10 });
    expect(skipped).toEqual(['nsl-kdd has no task "ddos-u2r-normal"']);
  });

  it('names the bad field: unknown model, unknown dataset, bad option', () => {
    expect(() =>
      parseExperimentConfig({ ...valid, grid: { ...valid.grid, model: ['gpt'] } }, 'x.json'),
    ).toThrow(
      /x\.json, field "grid\.model\[0\]": invalid experiment config: must be one of "rf", .*got "gpt"/,
    );
    expect(() =>
      parseExperimentConfig({ ...valid, grid: { ...valid.grid, dataset: ['cicids'] } }, 'x.json'),
    ).toThrow(/field "grid\.dataset\[0\]".*unknown dataset/);
    expect(() => parseExperimentConfig({ ...valid, options: { rf: { nEstimators: -1 } } }, 'x.json')).toThrow(
      'x.json, field "options.rf.nEstimators": invalid option for model "rf": must be ≥ 1, got -1',
    );
    expect(() => parseExperimentConfig({ ...valid, options: { rf: { trees: 5 } } }, 'x.json')).toThrow(
      /field "options\.rf\.trees": .*is not a known field \(check the spelling, or remove it\)/,
    );
    expect(() => parseExperimentConfig({ ...valid, extra: 1 }, 'x.json')).toThrow(
      /field "extra": invalid experiment config: is not a known field/,
    );
    expect(() => parseExperimentConfig({ ...valid, options: { fcnn: {} } }, 'x.json')).toThrow(
      /not in grid\.model/,
    );
  });

  it('takes run-wide log1p and validation choices, and names a bad one', () => {
    const config = parseExperimentConfig(
      { ...valid, log1p: true, validation: 'leave-attack-type-out', validationFraction: 0.15 },
      'x.json',
    );
    expect(config).toMatchObject({
      log1p: true,
      validation: 'leave-attack-type-out',
      validationFraction: 0.15,
    });
    expect(() => parseExperimentConfig({ ...valid, validation: 'kfold' }, 'x.json')).toThrow(
      /field "validation"/,
    );
    expect(() => parseExperimentConfig({ ...valid, validationFraction: 1 }, 'x.json')).toThrow(
      /field "validationFraction"/,
    );
  });
});
