import { escapeHtml } from './html.js';

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';
const XLINK_NAMESPACE = 'http://www.w3.org/1999/xlink';

/**
 * Prepares a rendered chart for inlining in HTML. Ids (vega numbers its gradients and clip paths per
 * process) get a per-figure prefix so two charts never share one; namespace declarations are dropped,
 * since the HTML parser puts `<svg>` in the SVG namespace by itself and the report then holds no URL at all;
 * the root gets an accessible label.
 */
export function inlineSvg(svg: string, idPrefix: string, label: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  let out = svg;
  for (const id of ids) {
    const scoped = `${idPrefix}-${id}`;
    out = out
      .split(`id="${id}"`)
      .join(`id="${scoped}"`)
      .split(`url(#${id})`)
      .join(`url(#${scoped})`)
      .split(`href="#${id}"`)
      .join(`href="#${scoped}"`);
  }
  return out
    .replace(` xmlns="${SVG_NAMESPACE}"`, '')
    .replace(` xmlns:xlink="${XLINK_NAMESPACE}"`, '')
    .replace(/^<svg /, `<svg role="img" aria-label="${escapeHtml(label)}" `);
}

/** An inlined chart back as a standalone SVG document (for resvg or a .svg file). */
export function standaloneSvg(inlined: string): string {
  if (/^<svg[^>]*\sxmlns="/.test(inlined)) return inlined;
  return inlined.replace(/^<svg /, `<svg xmlns="${SVG_NAMESPACE}" xmlns:xlink="${XLINK_NAMESPACE}" `);
}
