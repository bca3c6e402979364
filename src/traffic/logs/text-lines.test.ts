import { describe, expect, it } from 'vitest';
import { TextLines } from './text-lines.js';

function split(chunks: Buffer[], max = 1000): string[] {
  const out: string[] = [];
  const lines = new TextLines(
    {
      line: (text, n) => out.push(`${n}:${text}`),
      tooLong: (n, length) => out.push(`${n}:too long ${length}`),
    },
    max,
  );
  for (const c of chunks) lines.push(c);
  lines.end();
  return out;
}

describe('TextLines', () => {
  it('splits across any chunk boundary, multi-byte characters included, CRLF and BOM handled', () => {
    const text = Buffer.from('\uFEFFab\r\nsé€x\n\nlast');
    const expected = ['1:ab', '2:sé€x', '3:', '4:last'];
    for (let size = 1; size <= text.length; size++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      expect(split(chunks)).toEqual(expected);
    }
  });

  it('discards over-long lines while streaming and reports their length', () => {
    const long = 'x'.repeat(25);
    expect(split([Buffer.from(`ok\n${long}\nok2\n${long}`)], 10)).toEqual([
      '1:ok',
      '2:too long 25',
      '3:ok2',
      '4:too long 25',
    ]);
    expect(split([Buffer.from('x'.repeat(8)), Buffer.from('x'.repeat(8)), Buffer.from('x\nok')], 10)).toEqual(
      ['1:too long 17', '2:ok'],
    );
  });
});
