import type { TopLevelSpec } from 'vega-lite';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { IotIdsError } from '../errors.js';
import type { ChartContext } from './chart-context.js';
import {
  confusionMatrixSpec,
  errorBarsSpec,
  metricBarsSpec,
  oneVsRestAccuracy,
  perClassBarsSpec,
  perClassFigures,
  rocCurvesSpec,
  trainingCurvesSpec,
} from './charts.js';
import { renderSvg } from './render.js';
import { scoresFromSplit } from './report-data.js';
import { syntheticRun } from './synthetic-runs.js';

const context: ChartContext = {
  dataset: 'kdd99',
  task: 'ddos-u2r-normal',
  protocol: 'official',
  split: 'corrected',
  seeds: [1, 2, 3],
};
const run = syntheticRun({ seed: 1 });
const split = run.metrics.splits.corrected;
const classes = run.metrics.classes;

let warn: MockInstance;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn');
});
afterEach(() => {
  warn.mockRestore();
});

/** Renders the spec and checks what every chart must say: its title and the full context. */
async function drawn(spec: TopLevelSpec, title: string, about = context): Promise<string> {
  const svg = await renderSvg(spec);
  expect(warn, 'vega-lite / vega warnings').not.toHaveBeenCalled();
  expect(svg).toContain(`>${title}</text>`);
  expect(svg).toContain(`dataset ${about.dataset} · task ${about.task} · protocol ${about.protocol}`);
  expect(svg).toContain(`split ${about.split} · ${about.seeds.length} seed`);
  return svg;
}

describe('rocCurvesSpec', () => {
  it('draws one panel per model with each class AUC in its legend', async () => {
    const other = syntheticRun({ seed: 2, model: 'fcnn' });
    const svg = await drawn(
      rocCurvesSpec({
        context,
        classes,
        models: [
          { model: 'sae-softmax', curves: run.roc.splits.corrected },
          { model: 'fcnn', curves: other.roc.splits.corrected, note: 'seed 2' },
        ],
      }),
      'ROC curves, one class against the rest',
    );
    for (const name of classes) {
      expect(svg).toContain(`${name}: AUC ${run.roc.splits.corrected[name].auc!.toFixed(4)}`);
      expect(svg).toContain(`${name}: AUC ${other.roc.splits.corrected[name].auc!.toFixed(4)}`);
    }
    expect(svg).toContain('fcnn · seed 2');
    expect(svg).toContain('false positive rate');
  });

  it('says when a class has no rows, and needs a model', async () => {
    const svg = await drawn(
      rocCurvesSpec({
        context,
        classes,
        models: [{ model: 'm', curves: { ...run.roc.splits.corrected, u2r: undefined } }],
      }),
      'ROC curves, one class against the rest',
    );
    expect(svg).toContain('u2r: no rows in split');
    expect(() => rocCurvesSpec({ context, classes, models: [] })).toThrow(IotIdsError);
  });
});

describe('confusionMatrixSpec', () => {
  it('shows counts and row-normalised percentages', async () => {
    const matrix = [
      [60000, 500, 93],
      [2000, 228000, 3],
      [30, 0, 40],
    ];
    const svg = await drawn(
      confusionMatrixSpec({
        context,
        model: 'rf',
        labels: classes,
        matrix,
        note: 'counts summed over 3 seeds',
      }),
      'Confusion matrix',
    );
    expect(svg).toContain('>228,000<');
    expect(svg).toContain('>57.1 %<'); // 40 of the 70 u2r rows
    expect(svg).toContain('>99.0 %<'); // 60000 of 60593 normal rows
    expect(svg).toContain('model rf · counts summed over 3 seeds');
    expect(svg).toContain('predicted class');
  });

  it('rejects a matrix that does not fit the labels', () => {
    expect(() => confusionMatrixSpec({ context, model: 'rf', labels: ['a', 'b'], matrix: [[1, 2]] })).toThrow(
      IotIdsError,
    );
  });
});

describe('trainingCurvesSpec', () => {
  const training = { ...context, split: 'kddcup.data_10_percent', seeds: [1] };

  it('plots loss and accuracy per stage, training and validation, with the stop reason', async () => {
    const svg = await drawn(
      trainingCurvesSpec(run.history!, { context: training, model: 'sae-softmax' }),
      'Training curves',
      training,
    );
    expect(svg).toContain('stage pretrain');
    expect(svg).toContain('stage classifier');
    expect(svg).toContain('stopped: early stopping');
    expect(svg).toContain('>validation<');
    expect(svg.match(/>loss</g)).toHaveLength(2); // both stages
    expect(svg.match(/>accuracy</g)).toHaveLength(1); // the autoencoder stage has none
  });

  it('refuses a history without epochs', () => {
    expect(() =>
      trainingCurvesSpec(
        { formatVersion: 1, stages: { fcnn: { epochs: [] } } },
        { context: training, model: 'x' },
      ),
    ).toThrow(IotIdsError);
  });
});

describe('metricBarsSpec', () => {
  it('draws the five figures per model, with whiskers and values when seeds vary', async () => {
    const models = [
      {
        model: 'rf',
        scores: {
          accuracy: { mean: 0.9123, std: 0.01 },
          precision: { mean: 0.8, std: 0.02 },
          recall: { mean: 0.7, std: 0.03 },
          f1: { mean: 0.75, std: 0.02 },
          rocAuc: { mean: 0.95, std: 0.004 },
        },
      },
      {
        model: 'fcnn',
        scores: {
          accuracy: { mean: 0.95, std: 0.01 },
          precision: { mean: 0.85, std: 0.02 },
          recall: { mean: 0.8, std: 0.03 },
          f1: { mean: 0.82, std: 0.02 },
          rocAuc: { mean: null },
        },
      },
    ];
    const svg = await drawn(metricBarsSpec(models, context), 'Headline metrics');
    for (const label of ['Accuracy', 'Precision', 'Recall', 'F1', 'ROC-AUC', 'rf', 'fcnn', '0.912'])
      expect(svg).toContain(`>${label}<`);
    expect(svg).toContain('whiskers: ± 1 sample std');
    expect(svg).toMatch(/class="mark-rule role-mark/); // the whiskers
  });

  it('draws one run from its split metrics', async () => {
    const svg = await drawn(
      metricBarsSpec([scoresFromSplit('rf', split)], { ...context, seeds: [1] }),
      'Headline metrics',
      { ...context, seeds: [1] },
    );
    expect(svg).toContain(`>${split.accuracy.toFixed(3)}<`);
    expect(() => metricBarsSpec([], context)).toThrow(IotIdsError);
  });
});

describe('perClassBarsSpec', () => {
  it('shows one-vs-rest accuracy, recall and specificity per class', async () => {
    const figures = perClassFigures(split);
    const svg = await drawn(
      perClassBarsSpec({ context, classes, models: [{ model: 'rf', classes: figures }] }),
      'Per-class accuracy, recall and specificity',
    );
    for (const label of ['accuracy (one-vs-rest)', 'recall', 'specificity', ...classes])
      expect(svg).toContain(`>${label}<`);
    expect(svg).toContain(`>${figures.u2r.recall.toFixed(3)}<`);
  });

  it('computes (TP + TN) / N one class against the rest', () => {
    // 10 rows: class 0 has 4 (3 right), class 1 has 6 (5 right, 1 called class 0).
    expect(
      oneVsRestAccuracy([
        [3, 1],
        [1, 5],
      ]),
    ).toEqual([0.8, 0.8]);
    const m = [
      [5, 0, 0],
      [0, 4, 1],
      [0, 0, 0],
    ];
    expect(oneVsRestAccuracy(m)).toEqual([1, 0.9, 0.9]);
    expect(oneVsRestAccuracy([[0]])).toEqual([0]);
  });
});

describe('errorBarsSpec', () => {
  it('draws mean ± std per model and class, one panel per figure', async () => {
    const points = ['rf', 'fcnn'].flatMap((model, m) =>
      classes.flatMap((className, c) =>
        ['recall', 'F1'].map((metric) => ({
          model,
          className,
          metric,
          mean: 0.9 - 0.2 * c + 0.01 * m,
          std: 0.01 * (c + 1),
          n: 3,
        })),
      ),
    );
    const svg = await drawn(
      errorBarsSpec({ context, classes, models: ['rf', 'fcnn'], metrics: ['recall', 'F1'], points }),
      'Per-class spread over seeds',
    );
    for (const label of ['recall', 'F1', 'rf', 'fcnn', ...classes]) expect(svg).toContain(`>${label}<`);
    expect(svg).toContain('0.5000 ± 0.0300 (n = 3)'); // u2r, rf: tooltip of a point
    expect(() => errorBarsSpec({ context, classes, models: [], metrics: [], points: [] })).toThrow(
      IotIdsError,
    );
  });
});
