import type { TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../../errors.js';
import type { ChartContext } from '../chart-context.js';
import { chartConfig, chartTitle, paletteColour } from './chart-theme.js';

/** A span of packets to shade (an attack phase, or the grace periods), 1-based packet indexes, inclusive. */
export interface PacketSpan {
  first: number;
  last: number;
  label: string;
}

export interface PacketScoreChartInput {
  context: ChartContext;
  model: string;
  /** Score of every packet in capture order (packet i + 1 at position i); 0 while the detector learned. */
  scores: ArrayLike<number>;
  threshold: number;
  /** Attack windows, shaded red. */
  attacks: readonly PacketSpan[];
  /** The grace periods (learning, calibration), shaded grey. */
  grace?: PacketSpan;
  /** At most this many points are drawn (default 2,000); each is the highest score of its bucket of packets. */
  maxPoints?: number;
}

/**
 * The Kitsune paper's figure: anomaly score (RMSE, log scale) over packet index, the alert threshold as a
 * line, attack windows shaded. Long captures are bucketed, keeping each bucket's highest score so no spike
 * above the threshold disappears from the picture.
 */
export function packetScoreSeriesSpec(input: PacketScoreChartInput): TopLevelSpec {
  const n = input.scores.length;
  if (n === 0) throw new IotIdsError('no packet scores to plot');
  const maxPoints = input.maxPoints ?? 2000;
  const bucket = Math.max(1, Math.ceil(n / maxPoints));
  const points: { packet: number; score: number }[] = [];
  // A log scale cannot show 0 (scores while learning): those buckets are left out of the line.
  for (let start = 0; start < n; start += bucket) {
    let best = 0;
    for (let i = start; i < Math.min(n, start + bucket); i++)
      if (input.scores[i] > best) best = input.scores[i];
    if (best > 0) points.push({ packet: start + 1, score: best });
  }
  const spans = [
    ...(input.grace ? [{ ...input.grace, kind: 'grace' }] : []),
    ...input.attacks.map((a) => ({ ...a, kind: 'attack' })),
  ];
  const perPoint =
    bucket === 1
      ? 'one point per packet'
      : `each point: highest score of ${bucket.toLocaleString('en-US')} packets`;
  return {
    title: chartTitle(
      'Anomaly score per packet',
      input.context,
      `model ${input.model} · threshold ${input.threshold.toPrecision(3)} · ${perPoint}`,
    ),
    config: chartConfig(),
    width: 640,
    height: 260,
    layer: [
      {
        data: { values: spans },
        mark: { type: 'rect', opacity: 0.15 },
        encoding: {
          x: { field: 'first', type: 'quantitative' },
          x2: { field: 'last' },
          color: {
            field: 'kind',
            type: 'nominal',
            scale: { domain: ['grace', 'attack'], range: ['#8c959f', paletteColour(3)] },
            legend: {
              title: null,
              orient: 'top',
              labelExpr: "datum.label == 'grace' ? 'grace periods' : 'attack window'",
            },
          },
          tooltip: [{ field: 'label', type: 'nominal' }],
        },
      },
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1, color: paletteColour(0), point: false },
        encoding: {
          x: { field: 'packet', type: 'quantitative', title: 'packet index', scale: { domain: [1, n] } },
          y: {
            field: 'score',
            type: 'quantitative',
            title: 'score (RMSE, log scale)',
            scale: { type: 'log' },
          },
        },
      },
      {
        data: { values: [{ threshold: input.threshold }] },
        mark: { type: 'rule', color: '#1b1f24', strokeDash: [6, 3], strokeWidth: 1.5 },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  };
}
