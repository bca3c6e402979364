import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEJAVU_SANS_BOLD_BASE64,
  DEJAVU_SANS_BOOK_BASE64,
  DEJAVU_SANS_FAMILY,
} from './dejavu-sans-subset.js';
import { readAdvanceWidths, type AdvanceWidths } from './font-metrics.js';
import { IotIdsError } from '../../errors.js';

/** The one font family of every chart and report: embedded, so no machine needs it installed. */
export const CHART_FONT_FAMILY = DEJAVU_SANS_FAMILY;

interface EmbeddedFace {
  weight: 'normal' | 'bold';
  base64: string;
  fileName: string;
}

const FACES: readonly EmbeddedFace[] = [
  { weight: 'normal', base64: DEJAVU_SANS_BOOK_BASE64, fileName: 'DejaVuSans-subset.ttf' },
  { weight: 'bold', base64: DEJAVU_SANS_BOLD_BASE64, fileName: 'DejaVuSans-Bold-subset.ttf' },
];

let decoded: Map<EmbeddedFace, Buffer> | undefined;
let widths: { normal: AdvanceWidths; bold: AdvanceWidths } | undefined;
let files: string[] | undefined;

function fontBytes(face: EmbeddedFace): Buffer {
  decoded ??= new Map(FACES.map((f) => [f, Buffer.from(f.base64, 'base64')]));
  return decoded.get(face) as Buffer;
}

/** Advance widths of the embedded faces, for laying out chart text exactly as it will be drawn. */
export function embeddedFontWidths(): { normal: AdvanceWidths; bold: AdvanceWidths } {
  widths ??= {
    normal: readAdvanceWidths(fontBytes(FACES[0]), FACES[0].fileName),
    bold: readAdvanceWidths(fontBytes(FACES[1]), FACES[1].fileName),
  };
  return widths;
}

/** `@font-face` rules carrying the fonts as data URIs: a report that uses them makes no font request. */
export function fontFaceCss(): string {
  return FACES.map(
    (face) =>
      `@font-face { font-family: '${CHART_FONT_FAMILY}'; font-style: normal; font-weight: ${face.weight}; ` +
      `src: url(data:font/ttf;base64,${face.base64}) format('truetype'); }`,
  ).join('\n');
}

/**
 * Paths of the embedded faces as font files, for resvg (whose Node binding loads fonts only from files).
 * They are written once per content into the temporary directory; a file found there is used only if its
 * bytes are exactly ours, otherwise a private directory is made.
 */
export function embeddedFontFiles(): string[] {
  if (files) return files;
  const hash = createHash('sha256');
  for (const face of FACES) hash.update(face.base64);
  const shared = join(tmpdir(), `iot-ids-fonts-${hash.digest('hex').slice(0, 16)}`);
  try {
    files = writeFaces(shared);
  } catch {
    files = writeFaces(join(tmpdir(), `iot-ids-fonts-${process.pid}-${randomBytes(6).toString('hex')}`));
  }
  return files;
}

function writeFaces(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return FACES.map((face) => {
    const path = join(dir, face.fileName);
    const bytes = fontBytes(face);
    if (!sameBytes(path, bytes)) {
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(temp, bytes);
      renameSync(temp, path);
      if (!sameBytes(path, bytes)) throw new IotIdsError(`font file ${path} was changed while being written`);
    }
    return path;
  });
}

function sameBytes(path: string, bytes: Buffer): boolean {
  try {
    return readFileSync(path).equals(bytes);
  } catch {
    return false;
  }
}
