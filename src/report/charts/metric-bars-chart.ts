import type { TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../../errors.js';
import type { ChartContext } from '../chart-context.js';
import { chartConfig, chartTitle, paletteColour } from './chart-theme.js';

/** The five headline figures: accuracy, macro precision, macro recall, macro F1, macro one-vs-rest ROC-AUC. */
export const BAR_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'] as const;
export type BarMetric = (typeof BAR_METRICS)[number];

export const BAR_METRIC_LABELS: Record<BarMetric, string> = {
  accuracy: 'Accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  rocAuc: 'ROC-AUC',
};

/** A value, or a mean with its sample standard deviation over seeds. null = not available. */
export interface ScoreValue {
  mean: number | null;
  /** Sample standard deviation; absent or null for a single run. */
  std?: number | null;
}

export interface ModelScores {
  model: string;
  scores: Readonly<Record<BarMetric, ScoreValue>>;
}

/**
 * Grouped bars of accuracy, precision, recall, F1 and ROC-AUC, one colour per model; with several seeds an
 * error bar spans mean ± std. The scale runs from 0 to 1 so small differences are not blown up.
 */
export function metricBarsSpec(models: readonly ModelScores[], context: ChartContext): TopLevelSpec {
  if (models.length === 0) throw new IotIdsError('a metric bar chart needs at least one model');
  const modelNames = models.map((m) => m.model);
  const rows = models.flatMap((m) =>
    BAR_METRICS.flatMap((metric) => {
      const { mean, std } = m.scores[metric];
      if (mean === null || !Number.isFinite(mean)) return [];
      const spread = std ?? 0;
      return [
        {
          model: m.model,
          metric: BAR_METRIC_LABELS[metric],
          mean,
          low: Math.max(0, mean - spread),
          high: Math.min(1, mean + spread),
          label: mean.toFixed(3),
        },
      ];
    }),
  );
  const hasSpread = models.some((m) => BAR_METRICS.some((metric) => (m.scores[metric].std ?? 0) > 0));
  const barWidth = models.length === 1 ? 56 : models.length === 2 ? 30 : models.length <= 4 ? 18 : 12;
  const x = {
    field: 'metric',
    type: 'nominal' as const,
    sort: BAR_METRICS.map((metric) => BAR_METRIC_LABELS[metric]),
    title: null,
    axis: { labelAngle: 0, labelFontSize: 11, ticks: false, domain: true },
    scale: { paddingInner: 0.25 },
  };
  const xOffset = {
    field: 'model',
    type: 'nominal' as const,
    sort: modelNames,
    scale: { paddingInner: 0.08 },
  };
  const colour = {
    field: 'model',
    type: 'nominal' as const,
    sort: modelNames,
    scale: { domain: modelNames, range: modelNames.map((_, i) => paletteColour(i)) },
    // Below the plot: value labels above the bars would collide with a legend on top.
    legend:
      models.length > 1 ? { title: null, orient: 'bottom' as const, direction: 'horizontal' as const } : null,
  };
  const labelAngle = models.length > 2 ? -90 : 0;
  return {
    title: chartTitle(
      'Headline metrics',
      context,
      hasSpread
        ? 'bars: mean over seeds · whiskers: ± 1 sample std · precision, recall, F1, ROC-AUC: macro averages'
        : 'precision, recall, F1 and ROC-AUC are macro averages over classes',
    ),
    config: chartConfig(),
    data: { values: rows },
    // With an xOffset channel the step sizes one bar (vega-lite's default `for: 'offset'`).
    width: { step: barWidth },
    height: 240,
    encoding: {
      x,
      xOffset,
      y: {
        field: 'mean',
        type: 'quantitative',
        title: 'score',
        scale: { domain: [0, 1], nice: false },
        axis: { tickCount: 5, format: '.1f' },
      },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { color: colour } },
      ...(hasSpread
        ? [
            {
              mark: { type: 'rule' as const, color: '#1b1f24', strokeWidth: 1.2 },
              encoding: { y: { field: 'low', type: 'quantitative' as const }, y2: { field: 'high' } },
            },
          ]
        : []),
      {
        mark: {
          type: 'text',
          fontSize: 9,
          color: '#1b1f24',
          angle: labelAngle === 0 ? 0 : 270,
          align: labelAngle === 0 ? 'center' : 'left',
          baseline: labelAngle === 0 ? 'bottom' : 'middle',
          dy: labelAngle === 0 ? -3 : 0,
          dx: labelAngle === 0 ? 0 : 3,
        },
        encoding: { y: { field: 'high', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}
