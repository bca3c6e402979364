import { IotIdsError } from '../../errors.js';

/** Horizontal advance of every character a TrueType font maps, in em (advance width / units per em). */
export interface AdvanceWidths {
  /** Code point → advance in em. */
  readonly byCodePoint: ReadonlyMap<number, number>;
  /** Advance of the font's missing-glyph box, used for characters the font does not map. */
  readonly missing: number;
}

/**
 * Reads the advance widths of a TrueType font (tables head, hhea, hmtx and a Unicode cmap of format 4 or 12).
 * Kerning is ignored: it moves a label by a fraction of a pixel, far less than the layout slack.
 */
export function readAdvanceWidths(font: Uint8Array, name = 'font'): AdvanceWidths {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = tableDirectory(view, name);
  const unitsPerEm = view.getUint16(tables.head + 18);
  const numberOfHMetrics = view.getUint16(tables.hhea + 34);
  const advanceOfGlyph = (glyph: number): number => {
    const index = Math.min(glyph, numberOfHMetrics - 1);
    return view.getUint16(tables.hmtx + 4 * index) / unitsPerEm;
  };
  const byCodePoint = new Map<number, number>();
  for (const [codePoint, glyph] of unicodeGlyphs(view, tables.cmap, name)) {
    byCodePoint.set(codePoint, advanceOfGlyph(glyph));
  }
  return { byCodePoint, missing: advanceOfGlyph(0) };
}

/** Width of a single line of text in pixels at `fontSize`. */
export function textWidth(widths: AdvanceWidths, text: string, fontSize: number): number {
  let ems = 0;
  for (const char of text) ems += widths.byCodePoint.get(char.codePointAt(0) ?? 0) ?? widths.missing;
  return ems * fontSize;
}

interface TableOffsets {
  head: number;
  hhea: number;
  hmtx: number;
  cmap: number;
}

function tableDirectory(view: DataView, name: string): TableOffsets {
  if (view.byteLength < 12) throw new IotIdsError(`${name}: too short to be a TrueType font`);
  const count = view.getUint16(4);
  const found: Partial<TableOffsets> = {};
  for (let i = 0; i < count; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(...[0, 1, 2, 3].map((k) => view.getUint8(record + k)));
    if (tag === 'head' || tag === 'hhea' || tag === 'hmtx' || tag === 'cmap') {
      found[tag] = view.getUint32(record + 8);
    }
  }
  const { head, hhea, hmtx, cmap } = found;
  if (head === undefined || hhea === undefined || hmtx === undefined || cmap === undefined) {
    throw new IotIdsError(`${name}: a TrueType font needs the head, hhea, hmtx and cmap tables`);
  }
  return { head, hhea, hmtx, cmap };
}

/** (code point, glyph) pairs of the best Unicode subtable: format 12 when present, else format 4. */
function unicodeGlyphs(view: DataView, cmap: number, name: string): Array<[number, number]> {
  const subtables = view.getUint16(cmap + 2);
  let format4: number | undefined;
  let format12: number | undefined;
  for (let i = 0; i < subtables; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const offset = cmap + view.getUint32(record + 4);
    const isUnicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!isUnicode) continue;
    const format = view.getUint16(offset);
    if (format === 12) format12 ??= offset;
    if (format === 4) format4 ??= offset;
  }
  if (format12 !== undefined) return format12Glyphs(view, format12);
  if (format4 !== undefined) return format4Glyphs(view, format4);
  throw new IotIdsError(`${name}: no Unicode character map of format 4 or 12`);
}

function format4Glyphs(view: DataView, table: number): Array<[number, number]> {
  const segments = view.getUint16(table + 6) / 2;
  const endCodes = table + 14;
  const startCodes = endCodes + 2 * segments + 2;
  const deltas = startCodes + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  const pairs: Array<[number, number]> = [];
  for (let s = 0; s < segments; s++) {
    const start = view.getUint16(startCodes + 2 * s);
    const end = view.getUint16(endCodes + 2 * s);
    const delta = view.getUint16(deltas + 2 * s);
    const rangeOffset = view.getUint16(rangeOffsets + 2 * s);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) {
        glyph = (c + delta) & 0xffff;
      } else {
        // The offset is relative to where it is stored, a quirk of the format.
        const raw = view.getUint16(rangeOffsets + 2 * s + rangeOffset + 2 * (c - start));
        glyph = raw === 0 ? 0 : (raw + delta) & 0xffff;
      }
      if (glyph !== 0) pairs.push([c, glyph]);
    }
  }
  return pairs;
}

function format12Glyphs(view: DataView, table: number): Array<[number, number]> {
  const groups = view.getUint32(table + 12);
  const pairs: Array<[number, number]> = [];
  for (let g = 0; g < groups; g++) {
    const group = table + 16 + 12 * g;
    const start = view.getUint32(group);
    const end = view.getUint32(group + 4);
    const firstGlyph = view.getUint32(group + 8);
    for (let c = start; c <= end; c++) pairs.push([c, firstGlyph + (c - start)]);
  }
  return pairs;
}
