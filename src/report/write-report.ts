import { basename, dirname, extname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { extractFigures } from './html/figure.js';
import { standaloneSvg } from './html/inline-svg.js';
import { renderPng } from './render.js';

export interface WriteReportOptions {
  /** Also save every chart as `<report name>-<figure id>.png` beside the report. Default false. */
  png?: boolean;
  /** PNG scale factor over the chart's size. Default 2. */
  pngScale?: number;
}

/** Writes a report atomically (never half-written), and with `png` each of its charts as a PNG beside it. */
export async function writeReport(
  path: string,
  html: string,
  options: WriteReportOptions = {},
): Promise<{ html: string; pngs: string[] }> {
  await writeFileAtomic(path, html);
  const pngs: string[] = [];
  if (options.png) {
    const stem = basename(path, extname(path));
    for (const figure of extractFigures(html)) {
      const pngPath = join(dirname(path), `${stem}-${figure.id}.png`);
      await writeFileAtomic(pngPath, renderPng(standaloneSvg(figure.svg), options.pngScale ?? 2));
      pngs.push(pngPath);
    }
  }
  return { html: path, pngs };
}
