import type { TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../../errors.js';
import type { HistoryFile } from '../../fit/history.js';
import type { ChartContext } from '../chart-context.js';
import { chartConfig, chartTitle, paletteColour, type SubSpec } from './chart-theme.js';

export interface TrainingChartAbout {
  /** `split` is the training split: validation rows are a part of it, never test rows. */
  context: ChartContext;
  model: string;
}

interface Point {
  epoch: number;
  set: 'train' | 'validation';
  value: number;
}

const SETS = ['train', 'validation'];
// Colour and dash share one legend (identical definitions merge), drawn as line samples.
const LEGEND = {
  title: null,
  orient: 'top' as const,
  direction: 'horizontal' as const,
  symbolType: 'stroke',
  symbolStrokeWidth: 2,
};

/**
 * Accuracy and loss against epoch, training and validation, one row per training stage (pretraining,
 * classifier, fine-tuning …), each row titled with the stage and why it stopped. Panels without any value
 * (an autoencoder stage has no accuracy) are left out. Throws when no stage recorded an epoch.
 */
export function trainingCurvesSpec(history: HistoryFile, about: TrainingChartAbout): TopLevelSpec {
  const rows = Object.entries(history.stages).flatMap(([stage, record]) => {
    const accuracy = series(record.epochs, 'accuracy', 'valAccuracy');
    const loss = series(record.epochs, 'loss', 'valLoss');
    // Loss first: every stage has it, so it lines up in one column; accuracy only where there are classes.
    const panels = [
      ...(loss.length ? [panel(loss, 'loss')] : []),
      ...(accuracy.length ? [panel(accuracy, 'accuracy')] : []),
    ];
    if (panels.length === 0) return [];
    const epochs = record.epochs.length;
    const stopped = record.stopReason ? `stopped: ${record.stopReason}` : 'ran every epoch it was given';
    return [
      {
        title: {
          text: `stage ${stage}`,
          subtitle: `${epochs} epoch${epochs === 1 ? '' : 's'}, ${stopped}`,
          fontSize: 12,
        },
        hconcat: panels,
      },
    ];
  });
  if (rows.length === 0) throw new IotIdsError('history has no recorded epoch to plot');
  return {
    title: chartTitle(
      'Training curves',
      about.context,
      `model ${about.model} · validation rows are held out of the training split`,
    ),
    config: chartConfig(),
    vconcat: rows,
    resolve: { scale: { color: 'shared' }, legend: { color: 'shared' } },
  };
}

function series(
  epochs: HistoryFile['stages'][string]['epochs'],
  trainKey: 'accuracy' | 'loss',
  validationKey: 'valAccuracy' | 'valLoss',
): Point[] {
  const points: Point[] = [];
  epochs.forEach((logs, i) => {
    const train = logs[trainKey];
    const validation = logs[validationKey];
    if (typeof train === 'number' && Number.isFinite(train))
      points.push({ epoch: i + 1, set: 'train', value: train });
    if (typeof validation === 'number' && Number.isFinite(validation)) {
      points.push({ epoch: i + 1, set: 'validation', value: validation });
    }
  });
  return points;
}

function panel(points: Point[], measure: 'accuracy' | 'loss'): SubSpec {
  const lastEpoch = Math.max(...points.map((p) => p.epoch));
  return {
    width: 280,
    height: 170,
    data: { values: points },
    mark: { type: 'line', strokeWidth: 2, point: lastEpoch <= 40 ? { size: 18 } : false },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        scale: { domain: [1, Math.max(2, lastEpoch)], nice: false },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        title: measure,
        scale: { zero: false },
        axis: { format: measure === 'accuracy' ? '.0%' : '.3~g', tickCount: 5 },
      },
      color: {
        field: 'set',
        type: 'nominal',
        scale: { domain: SETS, range: [paletteColour(0), paletteColour(1)] },
        legend: LEGEND,
      },
      strokeDash: {
        field: 'set',
        type: 'nominal',
        scale: {
          domain: SETS,
          range: [
            [1, 0],
            [5, 3],
          ],
        },
        legend: LEGEND,
      },
    },
  };
}
