import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { Random } from '../../util/random.js';
import { renderSvg } from '../render.js';
import { packetScoreSeriesSpec } from './packet-score-chart.js';

let warn: MockInstance;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn');
});
afterEach(() => {
  warn.mockRestore();
});

describe('packetScoreSeriesSpec', () => {
  const random = new Random(1);
  const scores = new Float64Array(50_000);
  for (let i = 10_000; i < scores.length; i++)
    scores[i] = Math.exp(-4 + 0.3 * random.normal()) * (i >= 40_000 && i < 45_000 ? 50 : 1);
  scores[30_000] = 9; // one spike inside a bucket: bucketing must keep it

  const spec = packetScoreSeriesSpec({
    context: {
      dataset: 'mirai.pcap',
      task: 'anomaly',
      protocol: 'grace on the first 10000 packets',
      split: 'whole capture',
      seeds: [1],
    },
    model: 'packet-ae',
    scores,
    threshold: 0.05,
    attacks: [{ first: 40_001, last: 45_000, label: 'scan' }],
    grace: { first: 1, last: 10_000, label: 'grace' },
  });

  it('buckets long series keeping each bucket maximum and leaves out zero scores', () => {
    const layers = (spec as { layer: { data: { values: { packet?: number; score?: number }[] } }[] }).layer;
    const line = layers[1].data.values;
    expect(line.length).toBeLessThanOrEqual(2000);
    expect(line.every((p) => (p.packet ?? 0) > 10_000 - 25)).toBe(true);
    expect(Math.max(...line.map((p) => p.score ?? 0))).toBe(9);
  });

  it('renders with title, context, threshold and shaded windows and no warnings', async () => {
    const svg = await renderSvg(spec);
    expect(warn).not.toHaveBeenCalled();
    expect(svg).toContain('>Anomaly score per packet</text>');
    expect(svg).toContain('dataset mirai.pcap · task anomaly');
    expect(svg).toContain('threshold 0.0500');
    expect(svg).toContain('attack window');
  });

  it('refuses an empty series', () => {
    expect(() =>
      packetScoreSeriesSpec({
        context: { dataset: 'x', task: 'y', protocol: 'z', split: 's', seeds: [1] },
        model: 'm',
        scores: [],
        threshold: 1,
        attacks: [],
      }),
    ).toThrow(/no packet scores/);
  });
});
