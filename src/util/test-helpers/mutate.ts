import type { Random } from '../random.js';

/** Bytes that break parsers: delimiters, quotes, line ends, NUL, invalid UTF-8, a BOM, multi-byte text. */
const NASTY: readonly Buffer[] = [
  ',',
  ';',
  '"',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '{',
  '}',
  '[',
  ']',
  ':',
  '\\',
  '0x1F',
  '+5',
  '1e999',
  'NaN',
  '-',
  '.',
  '\u00a0',
  '\u2003',
  'é',
  '\u{1F600}',
  '\uFEFF',
  '\uFFFD',
  ' ',
  '"a,b"',
  'null',
  'true',
]
  .map((s) => Buffer.from(s, 'utf8'))
  .concat([Buffer.from([0xc3]), Buffer.from([0xff, 0xfe]), Buffer.from([0x80])]);

/**
 * One seeded random mutation of `input` (for fuzz corpora): flip, delete, insert or duplicate bytes,
 * splice in a nasty token, cut the end, repeat a slice. Deterministic for a given `random`.
 */
export function mutate(input: Buffer, random: Random): Buffer {
  const at = input.length === 0 ? 0 : random.int(input.length);
  switch (random.int(8)) {
    case 0: {
      const out = Buffer.from(input);
      if (out.length > 0) out[at] ^= 1 << random.int(8);
      return out;
    }
    case 1:
      return Buffer.concat([
        input.subarray(0, at),
        input.subarray(Math.min(input.length, at + 1 + random.int(8))),
      ]);
    case 2:
      return Buffer.concat([input.subarray(0, at), NASTY[random.int(NASTY.length)], input.subarray(at)]);
    case 3:
      return Buffer.concat([input.subarray(0, at), Buffer.from([random.int(256)]), input.subarray(at)]);
    case 4:
      return input.subarray(0, at);
    case 5: {
      const end = Math.min(input.length, at + 1 + random.int(40));
      return Buffer.concat([input.subarray(0, end), input.subarray(at, end), input.subarray(end)]);
    }
    case 6: {
      const out = Buffer.from(input);
      const replacement = NASTY[random.int(NASTY.length)];
      replacement.copy(out, at, 0, Math.min(replacement.length, out.length - at));
      return out;
    }
    default:
      return Buffer.concat([input, NASTY[random.int(NASTY.length)], input.subarray(0, at)]);
  }
}

/** `count` stacked mutations. */
export function mutateMany(input: Buffer, random: Random, count: number): Buffer {
  let out = input;
  for (let i = 0; i < count; i++) out = mutate(out, random);
  return out;
}
