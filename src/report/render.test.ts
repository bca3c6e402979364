import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { renderPng, renderSvg } from './render.js';
import { countNonWhite, decodePng } from './test-helpers/decode-png.js';

const bars: TopLevelSpec = {
  title: 'Zebra chart',
  data: {
    values: [
      { animal: 'zebra', n: 3 },
      { animal: 'okapi', n: 5 },
    ],
  },
  mark: 'bar',
  encoding: { x: { field: 'animal', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } },
};

function textOnlySvg(text: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60"><text x="10" y="40" font-family="sans-serif" font-size="28" fill="black">${text}</text></svg>`;
}

describe('renderSvg', () => {
  it('renders a vega-lite spec to an SVG holding its labels, in the embedded font', async () => {
    const svg = await renderSvg(bars);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Zebra chart');
    expect(svg).toContain('okapi');
    expect(svg).toContain('font-family="DejaVu Sans');
  });

  it('lays text out with the font widths, not the 0.8 em per character estimate', async () => {
    const wide = await renderSvg({ ...bars, title: 'W'.repeat(40) });
    const narrow = await renderSvg({ ...bars, title: 'i'.repeat(40) });
    const width = (svg: string) => Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    // 40 × 'W' at 13 px is ~ 510 px in DejaVu Sans; 40 × 'i' is ~ 145 px, so only the W chart widens.
    expect(width(wide)).toBeGreaterThan(width(narrow) + 250);
  });

  it('refuses to load data from a URL', async () => {
    const remote = { ...bars, data: { url: 'https://example.invalid/data.json' } } as TopLevelSpec;
    await expect(renderSvg(remote)).rejects.toThrow(IotIdsError);
  });
});

describe('renderPng', () => {
  it('produces a valid PNG at twice the SVG size with drawn pixels', async () => {
    const png = renderPng(await renderSvg(bars));
    const image = decodePng(png);
    const svgWidth = Number(/width="(\d+)"/.exec(await renderSvg(bars))?.[1]);
    expect(image.width).toBe(2 * svgWidth);
    expect(countNonWhite(image)).toBeGreaterThan(1000);
  });

  it('draws text with the embedded font, whatever fonts the machine has (system fonts are not loaded)', () => {
    const withText = countNonWhite(decodePng(renderPng(textOnlySvg('Hello, fonts'), 1)));
    const empty = countNonWhite(decodePng(renderPng(textOnlySvg(''), 1)));
    expect(empty).toBe(0);
    expect(withText).toBeGreaterThan(300);
  });

  it('scales the picture', () => {
    expect(decodePng(renderPng(textOnlySvg('x'), 3)).width).toBe(720);
    expect(() => renderPng(textOnlySvg('x'), 0)).toThrow(IotIdsError);
  });
});
