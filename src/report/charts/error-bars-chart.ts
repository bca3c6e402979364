import type { TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../../errors.js';
import type { ChartContext } from '../chart-context.js';
import { chartConfig, chartTitle, paletteColour, type SubSpec } from './chart-theme.js';

/** Mean and sample standard deviation over seeds of one per-class figure of one model. */
export interface ClassSpread {
  model: string;
  className: string;
  /** Display name of the figure, e.g. "recall"; one panel per distinct value. */
  metric: string;
  mean: number;
  /** null when only one seed contributed. */
  std: number | null;
  /** Seeds that contributed. */
  n: number;
}

export interface ErrorBarsInput {
  context: ChartContext;
  classes: readonly string[];
  /** Model order (and colour order). */
  models: readonly string[];
  /** Panel order. */
  metrics: readonly string[];
  points: readonly ClassSpread[];
}

/**
 * Mean ± one sample standard deviation over seeds, per model and class, one panel per figure (AUTODEEP-ID's
 * fig. 6). The y axis is not forced to start at 0: points and whiskers carry no baseline, and spreads of a
 * few thousandths would otherwise be invisible.
 */
export function errorBarsSpec(input: ErrorBarsInput): TopLevelSpec {
  if (input.points.length === 0) throw new IotIdsError('an error-bar chart needs at least one point');
  const values = input.points.map((p) => ({
    ...p,
    low: p.std === null ? p.mean : p.mean - p.std,
    high: p.std === null ? p.mean : p.mean + p.std,
    tooltip: `${p.mean.toFixed(4)} ± ${p.std === null ? '–' : p.std.toFixed(4)} (n = ${p.n})`,
  }));
  const colour = {
    field: 'model',
    type: 'nominal' as const,
    sort: [...input.models],
    scale: { domain: [...input.models], range: input.models.map((_, i) => paletteColour(i)) },
    legend: { title: 'model', orient: 'top' as const, direction: 'horizontal' as const, symbolOpacity: 1 },
  };
  const panels = input.metrics.map((metric): SubSpec => ({
    title: { text: metric, fontSize: 12 },
    transform: [{ filter: { field: 'metric', equal: metric } }],
    width: { step: 14 },
    height: 200,
    encoding: {
      x: {
        field: 'className',
        type: 'nominal',
        sort: [...input.classes],
        title: null,
        // Grid lines between class groups, labels centred on them.
        axis: {
          labelAngle: input.classes.length > 6 ? -35 : 0,
          labelFontSize: 11,
          ticks: false,
          grid: true,
          tickBand: 'extent',
        },
      },
      xOffset: { field: 'model', type: 'nominal', sort: [...input.models] },
      y: { field: 'mean', type: 'quantitative', title: `${metric}, mean ± std`, scale: { zero: false } },
      color: colour,
    },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 1.5, opacity: 1 },
        encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      },
      {
        mark: { type: 'tick', thickness: 1.5, size: 8, opacity: 1 },
        encoding: { y: { field: 'low', type: 'quantitative' } },
      },
      {
        mark: { type: 'tick', thickness: 1.5, size: 8, opacity: 1 },
        encoding: { y: { field: 'high', type: 'quantitative' } },
      },
      {
        mark: { type: 'point', filled: true, size: 42, opacity: 1 },
        encoding: { tooltip: { field: 'tooltip' } },
      },
    ],
  }));
  return {
    title: chartTitle(
      'Per-class spread over seeds',
      input.context,
      'dot: mean over seeds · whiskers: ± 1 sample std',
    ),
    config: chartConfig(),
    data: { values },
    columns: Math.max(
      1,
      Math.min(panels.length, Math.floor(1000 / (input.classes.length * input.models.length * 14 + 100))),
    ),
    concat: panels,
    resolve: { scale: { color: 'shared', y: 'independent' }, legend: { color: 'shared' } },
  };
}
