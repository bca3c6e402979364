import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { IotIdsError } from '../errors.js';
import { CHART_FONT_FAMILY, embeddedFontFiles, embeddedFontWidths } from './fonts/embedded-font.js';
import { textWidth } from './fonts/font-metrics.js';
import { chartConfig } from './charts/chart-theme.js';

/** The text item fields vega passes to a text-metrics function. */
interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

interface VegaTextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

/**
 * Renders a vega-lite spec to an SVG string, without a browser, a canvas or a network request: data must be
 * inline (any URL load is refused), and text is laid out with the advance widths of the embedded font the
 * SVG names, so labels fit the same on every machine.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  useEmbeddedFontMetrics();
  let compiled;
  try {
    // The report's look is the default; a spec's own config still wins over it.
    compiled = compile(spec, { config: chartConfig() }).spec;
  } catch (error) {
    throw new IotIdsError(`chart spec does not compile: ${(error as Error).message}`, { cause: error });
  }
  // vega logs a failed load as a warning and draws on without the data; record refusals to fail instead.
  const refused: string[] = [];
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: offlineLoader(refused) });
  try {
    const svg = await view.toSVG();
    if (refused.length) {
      throw new IotIdsError(
        `charts carry their data inline; refused to load ${refused.map((u) => `"${u}"`).join(', ')}`,
      );
    }
    return svg;
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG to PNG bytes with resvg at `scale` × its size (default 2, sharp on high-density screens
 * and in print). Only the embedded font is loaded (system fonts are ignored), so the picture is the same on
 * a machine with no fonts installed as on one with many, and every generic family maps to it.
 */
export function renderPng(svg: string, scale = 2): Uint8Array {
  if (!(scale > 0 && scale <= 16)) throw new IotIdsError(`PNG scale must be in (0, 16], got ${scale}`);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: embeddedFontFiles(),
      defaultFontFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
      serifFamily: CHART_FONT_FAMILY,
      monospaceFamily: CHART_FONT_FAMILY,
    },
    logLevel: 'off',
  });
  return new Uint8Array(resvg.render().asPng());
}

let metricsInstalled = false;

/**
 * Replaces vega's text width estimate (0.8 em per character when no canvas is installed, far too wide) with
 * the embedded font's real advances. vega documents this hook for exactly this purpose (vl-convert uses it).
 */
function useEmbeddedFontMetrics(): void {
  if (metricsInstalled) return;
  const metrics = (vega as unknown as { textMetrics?: VegaTextMetrics }).textMetrics;
  if (!metrics) throw new IotIdsError('this vega version does not expose textMetrics; charts need it');
  const fonts = embeddedFontWidths();
  metrics.width = (item, text) => {
    const size = item.fontSize === undefined ? 11 : Number(item.fontSize) || 0;
    // vega passes one line of text: a string, or a number for numeric labels.
    const line = typeof text === 'string' || typeof text === 'number' ? String(text).trim() : '';
    if (size <= 0 || line === '') return 0;
    const weight = item.fontWeight;
    const bold = weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
    const width = textWidth(bold ? fonts.bold : fonts.normal, line, size);
    // vega truncates text longer than `limit` with an ellipsis; the drawn width is then at most the limit.
    return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
  };
  metricsInstalled = true;
}

function offlineLoader(refused: string[]): vega.Loader {
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri);
    return Promise.reject(new IotIdsError(`refusing to load "${uri}"`));
  };
  return { ...vega.loader(), load: refuse, sanitize: refuse, http: refuse, file: refuse };
}
