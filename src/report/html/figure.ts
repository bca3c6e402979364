import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../render.js';
import { html, raw, type SafeHtml } from './html.js';
import { inlineSvg } from './inline-svg.js';
import { missing } from './page.js';

/** Attribute that marks a chart figure, so `writeReport` can find every chart to save as PNG. */
export const FIGURE_ATTRIBUTE = 'data-figure';

/**
 * A chart as an HTML figure: `label` names it (accessible name, gap notice), `caption` explains how to read it. The spec is built and drawn here, so a chart that cannot be
 * drawn (e.g. no recorded epoch) becomes a marked gap naming the reason instead of failing the report.
 */
export async function chartFigure(
  id: string,
  text: { label: string; caption: string },
  buildSpec: () => TopLevelSpec,
): Promise<SafeHtml> {
  let svg: string;
  try {
    svg = await renderSvg(buildSpec());
  } catch (error) {
    return missing(id, text.label, `The chart could not be drawn: ${(error as Error).message}`);
  }
  return html`<figure class="chart" id="${id}" ${raw(FIGURE_ATTRIBUTE)}="${id}">
    ${raw(inlineSvg(svg, id, text.label))}
    <figcaption>${text.caption}</figcaption>
  </figure>`;
}

/** Lays figures out side by side where the page is wide enough. */
export function figureRow(figures: readonly SafeHtml[]): SafeHtml {
  return html`<div class="figures">${figures}</div>`;
}

/** Every chart of a report: figure id and its inline SVG, in document order. */
export function extractFigures(report: string): Array<{ id: string; svg: string }> {
  const found: Array<{ id: string; svg: string }> = [];
  const pattern = new RegExp(
    `<figure[^>]*\\s${FIGURE_ATTRIBUTE}="([^"]+)"[^>]*>\\s*(<svg[\\s\\S]*?</svg>)`,
    'g',
  );
  for (const match of report.matchAll(pattern)) found.push({ id: match[1], svg: match[2] });
  return found;
}
