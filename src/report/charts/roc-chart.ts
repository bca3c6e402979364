import type { TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../../errors.js';
import type { ChartContext } from '../chart-context.js';
import type { RocClassCurve } from '../../evaluate/roc-file.js';
import { chartConfig, chartTitle, fixed, paletteColour, type SubSpec } from './chart-theme.js';

/** One model's ROC curves on one split; a class without an entry is treated like one without rows. */
export interface RocModelCurves {
  model: string;
  curves: Readonly<Record<string, RocClassCurve | undefined>>;
  /** Shown after the model name, e.g. "seed 1 of 5". Default none. */
  note?: string;
}

export interface RocChartInput {
  context: ChartContext;
  /** Class order; a class keeps its colour in every panel. */
  classes: readonly string[];
  models: readonly RocModelCurves[];
}

const PANEL_SIZE = 250;

/**
 * One-vs-rest ROC curves per class, one panel per model, the AUC of each class in the panel's legend
 * (placed in the empty lower-right corner), the chance diagonal dashed.
 */
export function rocCurvesSpec(input: RocChartInput): TopLevelSpec {
  if (input.models.length === 0) throw new IotIdsError('a ROC chart needs at least one model');
  const panels = input.models.map((m) => rocPanel(m, input.classes));
  return {
    title: chartTitle('ROC curves, one class against the rest', input.context),
    config: chartConfig(),
    columns: Math.min(panels.length, 2),
    concat: panels,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  };
}

function seriesLabel(name: string, curve: RocClassCurve | undefined): string {
  if (!curve || curve.auc === null || curve.fpr.length === 0) return `${name}: no rows in split`;
  return `${name}: AUC ${fixed(curve.auc)}`;
}

function rocPanel(model: RocModelCurves, classes: readonly string[]): SubSpec {
  const labels = classes.map((name) => seriesLabel(name, model.curves[name]));
  const points: Array<{ series: string; fpr: number; tpr: number; order: number }> = [];
  classes.forEach((name, c) => {
    const curve = model.curves[name];
    if (!curve) return;
    curve.fpr.forEach((fpr, i) => points.push({ series: labels[c], fpr, tpr: curve.tpr[i], order: i }));
  });
  const axis = (title: string) => ({
    type: 'quantitative' as const,
    title,
    scale: { domain: [0, 1], nice: false },
    axis: { tickCount: 5, format: '.1f' },
  });
  return {
    title: { text: model.note ? `${model.model} · ${model.note}` : model.model, fontSize: 12 },
    width: PANEL_SIZE,
    height: PANEL_SIZE,
    layer: [
      {
        data: {
          values: [
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ],
        },
        mark: { type: 'line', color: '#aab1b9', strokeDash: [4, 4], strokeWidth: 1 },
        encoding: {
          x: { field: 'fpr', ...axis('false positive rate') },
          y: { field: 'tpr', ...axis('true positive rate') },
        },
      },
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 2, strokeJoin: 'round', clip: true },
        encoding: {
          x: { field: 'fpr', ...axis('false positive rate') },
          y: { field: 'tpr', ...axis('true positive rate') },
          order: { field: 'order', type: 'quantitative' },
          color: {
            field: 'series',
            type: 'nominal',
            scale: { domain: labels, range: classes.map((_, c) => paletteColour(c)) },
            legend: {
              title: null,
              orient: 'bottom-right',
              fillColor: 'rgba(255,255,255,0.9)',
              padding: 6,
              symbolType: 'stroke',
              symbolStrokeWidth: 2.5,
            },
          },
        },
      },
    ],
  };
}
