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

  describe('anomalyAlerts', () => {
    const route = {
      thresholdFrom: 'lato-validation',
      rates: [0.01, 0.02, 0.05, 0.1],
      criteria: { binary: 'binary-accuracy', '5class': 'accuracy' },
    };
    const withRoute = (block: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      parseExperimentConfig({ ...valid, ...extra, anomalyAlerts: { ...route, ...block } }, 'x.json');

    it('takes candidate rates, a criterion per task and autoencoder options', () => {
      const config = withRoute({ autoencoder: { epochs: 20, hiddenUnits: [16, 4] } });
      expect(config.anomalyAlerts).toEqual({ ...route, autoencoder: { epochs: 20, hiddenUnits: [16, 4] } });
      expect(withRoute({ criteria: { '5class': 'binary-accuracy' } }).anomalyAlerts?.criteria).toEqual({
        '5class': 'binary-accuracy',
      });
    });

    it('names a bad rate, criterion, task, source or autoencoder option', () => {
      expect(() => withRoute({ rates: [0.01, 1] })).toThrow(
        /field "anomalyAlerts\.rates\[1\]".*must be < 1, got 1/,
      );
      expect(() => withRoute({ rates: [0, 0.1] })).toThrow(/field "anomalyAlerts\.rates\[0\]".*must be > 0/);
      expect(() => withRoute({ rates: [5, 10] })).toThrow(
        /field "anomalyAlerts\.rates\[0\]".*must be < 1, got 5/,
      );
      expect(() => withRoute({ rates: [] })).toThrow(/field "anomalyAlerts\.rates".*at least 1 item/);
      expect(() => withRoute({ rates: [0.1, 0.1] })).toThrow(
        /field "anomalyAlerts\.rates".*must not repeat a rate/,
      );
      expect(() => withRoute({ criteria: { binary: 'f1' } })).toThrow(
        /field "anomalyAlerts\.criteria\.binary".*"binary-accuracy"/,
      );
      expect(() => withRoute({ criteria: { 'ddos-u2r-normal': 'accuracy' } })).toThrow(
        /field "anomalyAlerts\.criteria\.ddos-u2r-normal".*not a known field/,
      );
      expect(() => withRoute({ criteria: {} })).toThrow(/field "anomalyAlerts\.criteria".*at least one task/);
      expect(() => withRoute({ thresholdFrom: 'fixed' })).toThrow(
        /field "anomalyAlerts\.thresholdFrom".*must be "lato-validation".*bench\/zero-day\.ts/,
      );
      expect(() => withRoute({ autoencoder: { epochs: 0 } })).toThrow(
        /field "anomalyAlerts\.autoencoder\.epochs"/,
      );
      expect(() => withRoute({ autoencoder: { seed: 3 } })).toThrow(
        /field "anomalyAlerts\.autoencoder\.seed".*not a known field/,
      );
    });

    it('refuses a block with a missing field or one the rest of the config cannot run', () => {
      const { rates: _rates, ...noRates } = route;
      expect(() => parseExperimentConfig({ ...valid, anomalyAlerts: noRates }, 'x.json')).toThrow(
        /field "anomalyAlerts\.rates".*is missing/,
      );
      const { criteria: _criteria, ...noCriteria } = route;
      expect(() => parseExperimentConfig({ ...valid, anomalyAlerts: noCriteria }, 'x.json')).toThrow(
        /field "anomalyAlerts\.criteria".*is missing/,
      );
      expect(() => withRoute({}, { grid: { ...valid.grid, protocol: ['random-split'] } })).toThrow(
        /field "grid\.protocol": anomalyAlerts: the route runs under the official protocol/,
      );
      expect(() => withRoute({}, { dedup: true })).toThrow(
        /field "dedup": anomalyAlerts: cannot be combined with dedup/,
      );
      expect(() => withRoute({}, { grid: { ...valid.grid, dataset: ['mine.json'] } })).toThrow(
        /field "grid\.dataset": anomalyAlerts: needs a built-in dataset/,
      );
    });

    describe('routes', () => {
      const second = { classifier: 'rf+fcnn5', router: 'residual', score: 'doubt' };
      const routed = (fiveClass: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        withRoute(
          {
            criteria: { binary: 'binary-accuracy', '5class': 'accuracy+macro-f1' },
            routes: { '5class': { ...second, ...fiveClass } },
          },
          extra,
        );

      it('takes the second-round route for 5class with its criterion', () => {
        const config = routed({});
        expect(config.anomalyAlerts?.routes).toEqual({ '5class': second });
        expect(config.anomalyAlerts?.criteria['5class']).toBe('accuracy+macro-f1');
        expect(
          routed({ classifier: 'fcnn1', router: 'nearest', score: 'error' }).anomalyAlerts?.routes,
        ).toEqual({ '5class': { classifier: 'fcnn1', router: 'nearest', score: 'error' } });
      });

      it('names a bad classifier, router, score, task or criterion', () => {
        expect(() => routed({ classifier: 'svm+fcnn5' })).toThrow(
          /field "anomalyAlerts\.routes\.5class\.classifier".*fcnn<k> or rf\+fcnn<k>/,
        );
        expect(() => routed({ classifier: 'fcnn0' })).toThrow(/routes\.5class\.classifier/);
        expect(() => routed({ router: 'farthest' })).toThrow(/field "anomalyAlerts\.routes\.5class\.router"/);
        expect(() => routed({ score: 'entropy' })).toThrow(/field "anomalyAlerts\.routes\.5class\.score"/);
        expect(() => routed({ members: 3 })).toThrow(/routes\.5class\.members".*not a known field/);
        expect(() => withRoute({ routes: { binary: second } })).toThrow(
          /field "anomalyAlerts\.routes\.binary".*only "5class" takes a route/,
        );
        expect(() => withRoute({ routes: { '5class': second } })).toThrow(
          /field "anomalyAlerts\.criteria\.5class".*must be "accuracy\+macro-f1" when routes\.5class is given.*got "accuracy"/,
        );
        expect(() => withRoute({ criteria: { '5class': 'accuracy+macro-f1' } })).toThrow(
          /field "anomalyAlerts\.criteria\.5class".*criterion of routes\.5class/,
        );
        expect(() => withRoute({ criteria: { binary: 'accuracy+macro-f1' } })).toThrow(
          /field "anomalyAlerts\.criteria\.binary"/,
        );
      });

      it('refuses settings its members would not honour', () => {
        expect(() => routed({}, { dropFeatures: ['duration'] })).toThrow(
          /field "dropFeatures": anomalyAlerts: routes\.5class cannot be combined with dropFeatures/,
        );
        expect(() => routed({}, { validation: 'random' })).toThrow(
          /field "validation": anomalyAlerts: routes\.5class cannot be combined with validation/,
        );
      });
    });
  });
});
