import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { DEJAVU_SANS_BOLD_BASE64, DEJAVU_SANS_BOOK_BASE64 } from './dejavu-sans-subset.js';
import { embeddedFontFiles, fontFaceCss } from './embedded-font.js';
import { readAdvanceWidths, textWidth } from './font-metrics.js';
import { readFileSync } from 'node:fs';

const book = readAdvanceWidths(Buffer.from(DEJAVU_SANS_BOOK_BASE64, 'base64'));
const bold = readAdvanceWidths(Buffer.from(DEJAVU_SANS_BOLD_BASE64, 'base64'));

describe('readAdvanceWidths', () => {
  it('reads DejaVu Sans advances as published (units per em 2048)', () => {
    // DejaVu Sans Book: space 651, digits 1303, 'W' 2025, 'i' 569 font units.
    expect(book.byCodePoint.get(0x20)).toBeCloseTo(651 / 2048, 6);
    expect(book.byCodePoint.get('0'.codePointAt(0)!)).toBeCloseTo(1303 / 2048, 6);
    expect(book.byCodePoint.get('W'.codePointAt(0)!)).toBeCloseTo(2025 / 2048, 6);
    expect(book.byCodePoint.get('i'.codePointAt(0)!)).toBeCloseTo(569 / 2048, 6);
  });

  it('maps every character the reports print, bold wider than book', () => {
    for (const char of 'AZaz09 %±–—·…≤≥×→σ')
      expect(book.byCodePoint.has(char.codePointAt(0)!), char).toBe(true);
    expect(bold.byCodePoint.get('a'.codePointAt(0)!)!).toBeGreaterThan(
      book.byCodePoint.get('a'.codePointAt(0)!)!,
    );
  });

  it('rejects bytes that are not a TrueType font', () => {
    expect(() => readAdvanceWidths(new Uint8Array(40), 'junk.ttf')).toThrow(IotIdsError);
    expect(() => readAdvanceWidths(new Uint8Array(4), 'tiny.ttf')).toThrow(/junk|tiny/);
  });
});

describe('textWidth', () => {
  it('sums advances and scales them by the font size; unknown characters take the missing-glyph width', () => {
    expect(textWidth(book, 'ii', 10)).toBeCloseTo(2 * (569 / 2048) * 10, 6);
    expect(textWidth(book, '漢', 10)).toBeCloseTo(book.missing * 10, 6);
  });
});

describe('embedded font files', () => {
  it('writes the faces once, byte for byte, and offers them as data URIs without any URL', () => {
    const [bookFile, boldFile] = embeddedFontFiles();
    expect(readFileSync(bookFile).equals(Buffer.from(DEJAVU_SANS_BOOK_BASE64, 'base64'))).toBe(true);
    expect(readFileSync(boldFile).equals(Buffer.from(DEJAVU_SANS_BOLD_BASE64, 'base64'))).toBe(true);
    expect(embeddedFontFiles()).toEqual([bookFile, boldFile]);
    const css = fontFaceCss();
    expect(css.match(/@font-face/g)).toHaveLength(2);
    expect(css).toContain('url(data:font/ttf;base64,');
    expect(css).not.toMatch(/https?:/);
  });
});
