import { describe, expect, it } from 'vitest';
import { parseEvaluatePacketsOptions } from './evaluate-packets-options.js';

describe('parseEvaluatePacketsOptions', () => {
  it('fills the defaults of the earlier single-run evaluation', () => {
    const o = parseEvaluatePacketsOptions({ train: ['a'], test: ['b'] });
    expect(o).toMatchObject({
      benignTrain: [],
      validation: [],
      interim: 2,
      trees: 30,
      falseAlarmRate: 1e-4,
      flowFpr: 0.01,
      forestMinProbability: 0.5,
      packetMinAlerting: 1,
      window: 60,
      evalName: 'eval',
    });
    expect(o.packetAlertsPerHour).toBeUndefined();
  });

  it('reads numbers from command-line strings', () => {
    const o = parseEvaluatePacketsOptions({
      train: ['a', 'c'],
      test: ['b'],
      validation: ['v'],
      trees: '100',
      flowAlertsPerHour: '0',
      packetAlertsPerHour: '0.5',
    });
    expect(o.trees).toBe(100);
    expect(o.flowAlertsPerHour).toBe(0);
    expect(o.packetAlertsPerHour).toBe(0.5);
  });

  it('names the bad option', () => {
    expect(() => parseEvaluatePacketsOptions({ train: ['a'], test: ['b'], trees: '0' })).toThrow(/--trees/);
    expect(() => parseEvaluatePacketsOptions({ train: ['a'], test: ['b'], falseAlarmRate: '0.7' })).toThrow(
      /--false-alarm-rate/,
    );
    expect(() => parseEvaluatePacketsOptions({ test: ['b'] })).toThrow(/--train/);
    expect(() => parseEvaluatePacketsOptions({ train: ['a'], test: ['b'], bogus: '1' })).toThrow();
  });

  it('needs validation runs for a per-hour target', () => {
    expect(() => parseEvaluatePacketsOptions({ train: ['a'], test: ['b'], flowAlertsPerHour: '1' })).toThrow(
      /--validation/,
    );
  });

  it('refuses a run that is both test and training or validation data', () => {
    expect(() =>
      parseEvaluatePacketsOptions({ train: ['a'], test: ['b', 'c'], validation: ['c'], evalName: 'e' }),
    ).toThrow(/both a test run/);
    expect(() => parseEvaluatePacketsOptions({ train: ['a'], test: ['b', 'c'], out: 'x' })).toThrow(
      /--eval-name/,
    );
  });
});
