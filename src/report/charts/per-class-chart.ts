import type { TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../../errors.js';
import type { SplitMetrics } from '../../evaluate/split-metrics.js';
import type { ChartContext } from '../chart-context.js';
import { oneVsRestAccuracy } from '../one-vs-rest-accuracy.js';
import { chartConfig, chartTitle, paletteColour, type SubSpec } from './chart-theme.js';

/**
 * One class against the rest. `accuracy` is (TP + TN) / N over all rows of the split (see
 * `oneVsRestAccuracy`), recall and specificity as in `ClassStats`.
 */
export interface PerClassFigures {
  accuracy: number;
  recall: number;
  specificity: number;
}

export interface PerClassModel {
  model: string;
  classes: Readonly<Record<string, PerClassFigures | undefined>>;
}

export interface PerClassChartInput {
  context: ChartContext;
  classes: readonly string[];
  models: readonly PerClassModel[];
}

const MEASURES = ['accuracy (one-vs-rest)', 'recall', 'specificity'] as const;

/** The per-class figures of one evaluated split, by class name. */
export function perClassFigures(split: SplitMetrics): Record<string, PerClassFigures> {
  const accuracy = oneVsRestAccuracy(split.confusion.matrix);
  return Object.fromEntries(
    split.confusion.labels.map((name, c) => [
      name,
      {
        accuracy: accuracy[c],
        recall: split.perClass[name]?.recall ?? 0,
        specificity: split.perClass[name]?.specificity ?? 0,
      },
    ]),
  );
}

/** Per-class accuracy (one-vs-rest), recall and specificity as grouped bars, one panel per model. */
export function perClassBarsSpec(input: PerClassChartInput): TopLevelSpec {
  if (input.models.length === 0) throw new IotIdsError('a per-class bar chart needs at least one model');
  const panels = input.models.map((m): SubSpec => {
    const rows = input.classes.flatMap((name) => {
      const figures = m.classes[name];
      if (!figures) return [];
      const values = [figures.accuracy, figures.recall, figures.specificity];
      return MEASURES.map((measure, i) => ({
        className: name,
        measure,
        value: values[i],
        label: values[i].toFixed(3),
      }));
    });
    return {
      title: { text: m.model, fontSize: 12 },
      data: { values: rows },
      width: { step: 20 },
      height: 220,
      encoding: {
        x: {
          field: 'className',
          type: 'nominal',
          sort: [...input.classes],
          title: null,
          axis: { labelAngle: input.classes.length > 6 ? -35 : 0, labelFontSize: 11, ticks: false },
          scale: { paddingInner: 0.2 },
        },
        xOffset: { field: 'measure', type: 'nominal', sort: [...MEASURES] },
        y: {
          field: 'value',
          type: 'quantitative',
          title: 'share',
          scale: { domain: [0, 1], nice: false },
          axis: { tickCount: 5, format: '.1f' },
        },
      },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            color: {
              field: 'measure',
              type: 'nominal',
              sort: [...MEASURES],
              scale: { domain: [...MEASURES], range: MEASURES.map((_, i) => paletteColour(i)) },
              legend: { title: null, orient: 'top', direction: 'horizontal' },
            },
          },
        },
        {
          mark: {
            type: 'text',
            fontSize: 8,
            angle: 270,
            align: 'left',
            baseline: 'middle',
            dx: 3,
            color: '#1b1f24',
          },
          encoding: { text: { field: 'label' } },
        },
      ],
    };
  });
  return {
    title: chartTitle(
      'Per-class accuracy, recall and specificity',
      input.context,
      'accuracy (one-vs-rest) = (TP + TN) / all rows',
    ),
    config: chartConfig(),
    columns: 1,
    concat: panels,
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}
