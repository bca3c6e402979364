import type { TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../../errors.js';
import type { ChartContext } from '../chart-context.js';
import { chartConfig, chartTitle } from './chart-theme.js';

export interface ConfusionChartInput {
  context: ChartContext;
  model: string;
  /** Class names in matrix order. */
  labels: readonly string[];
  /** Rows = true class, columns = predicted class. */
  matrix: readonly (readonly number[])[];
  /** An extra subtitle line, e.g. "counts summed over 5 seeds". Default none. */
  note?: string;
}

/**
 * Confusion matrix heatmap: each cell shows its count and its share of the true class (row-normalised), and
 * is shaded by that share, so a rare class that is mostly missed stands out however few rows it has.
 */
export function confusionMatrixSpec(input: ConfusionChartInput): TopLevelSpec {
  const k = input.labels.length;
  if (k === 0 || input.matrix.length !== k || input.matrix.some((row) => row.length !== k)) {
    throw new IotIdsError(`confusion matrix must be ${k} × ${k} for ${k} labels`);
  }
  const cells = input.matrix.flatMap((row, t) => {
    const support = row.reduce((sum, count) => sum + count, 0);
    return row.map((count, p) => {
      const share = support === 0 ? 0 : count / support;
      return {
        actual: input.labels[t],
        predicted: input.labels[p],
        count: count.toLocaleString('en-US'),
        share,
        percent: support === 0 ? 'no rows' : `${(100 * share).toFixed(1)} %`,
      };
    });
  });
  const step = Math.round(Math.max(44, Math.min(78, 420 / k)));
  const labelAngle = k > 5 ? -35 : 0;
  const textColour = { condition: { test: 'datum.share > 0.55', value: 'white' }, value: '#1b1f24' };
  const extra = [`model ${input.model}`, ...(input.note ? [input.note] : [])].join(' · ');
  return {
    title: chartTitle('Confusion matrix', input.context, extra),
    config: chartConfig(),
    data: { values: cells },
    width: { step },
    height: { step },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort: [...input.labels],
        title: 'predicted class',
        axis: { labelAngle, domain: false, ticks: false, labelPadding: 6 },
      },
      y: {
        field: 'actual',
        type: 'nominal',
        sort: [...input.labels],
        title: 'true class',
        axis: { domain: false, ticks: false, labelPadding: 6 },
      },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, 1] },
            legend: {
              title: 'share of true class',
              format: '.0%',
              gradientLength: Math.max(120, step * k - 20),
            },
          },
        },
      },
      {
        mark: { type: 'text', baseline: 'bottom', dy: -1, fontSize: 11, fontWeight: 'bold' },
        encoding: { text: { field: 'count' }, color: textColour },
      },
      {
        mark: { type: 'text', baseline: 'top', dy: 2, fontSize: 10 },
        encoding: { text: { field: 'percent' }, color: textColour },
      },
    ],
    view: { stroke: null },
  };
}
