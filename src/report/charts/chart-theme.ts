import type { Config, TopLevelSpec } from 'vega-lite';
import { contextLines, type ChartContext } from '../chart-context.js';
import { CHART_FONT_FAMILY } from '../fonts/embedded-font.js';

/** Categorical colours (vega's tableau10), indexed by class or model position so colours stay stable. */
export const PALETTE = [
  '#4c78a8',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#72b7b2',
  '#b279a2',
  '#eeca3b',
  '#9d755d',
  '#ff9da6',
  '#bab0ac',
] as const;

export function paletteColour(index: number): string {
  return PALETTE[index % PALETTE.length];
}

/** The look shared by every chart: embedded font, quiet grid, left-aligned titles. */
export function chartConfig(): Config {
  return {
    font: CHART_FONT_FAMILY,
    background: 'white',
    padding: 12,
    view: { stroke: '#d5d9de' },
    title: {
      anchor: 'start',
      fontSize: 15,
      fontWeight: 'bold',
      color: '#1b1f24',
      subtitleFontSize: 11.5,
      subtitleColor: '#57606a',
      subtitlePadding: 4,
      offset: 14,
    },
    axis: {
      labelFontSize: 11,
      labelColor: '#3d444d',
      titleFontSize: 12,
      titleFontWeight: 'normal',
      titleColor: '#3d444d',
      gridColor: '#eaecef',
      domainColor: '#9aa1a9',
      tickColor: '#9aa1a9',
    },
    legend: {
      labelFontSize: 11,
      titleFontSize: 11,
      titleFontWeight: 'bold',
      labelColor: '#3d444d',
      titleColor: '#1b1f24',
      labelLimit: 260,
    },
    header: { labelFontSize: 12, labelFontWeight: 'bold', labelColor: '#1b1f24', titleFontSize: 11 },
    concat: { spacing: 28 },
    facet: { spacing: 20 },
    bar: { cornerRadiusEnd: 1 },
  };
}

/** A chart title whose subtitle names dataset, task, protocol, split and seeds, plus any extra lines. */
export function chartTitle(
  text: string,
  context: ChartContext,
  ...extra: string[]
): NonNullable<TopLevelSpec['title']> {
  return { text, subtitle: [...contextLines(context), ...extra] };
}

/** Formats a fraction with a fixed number of decimals, or a dash for a missing value. */
export function fixed(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Any spec that can sit inside a concat (unit, layer, facet or a nested concat), derived from the public type. */
export type SubSpec = Extract<TopLevelSpec, { concat: unknown }>['concat'][number];
