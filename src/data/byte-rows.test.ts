import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dataAvailable } from '../../test/available.js';
import { Random } from '../util/random.js';
import { ByteRowReader } from './byte-rows.js';
import { MAX_LINE_CHARS } from './line-splitter.js';
import { loadTable, loadTableFromStream, type LoadOptions, type LoadResult } from './load-table.js';
import { DATASETS } from './registry.js';
import type { DatasetSchema } from './schema.js';
import { TableBuilder } from './table-builder.js';

const SCHEMA: DatasetSchema = {
  name: 'toy',
  columns: [
    { name: 'id', type: 'ignore' },
    { name: 'proto', type: 'categorical' },
    { name: 'bytes', type: 'numeric' },
    { name: 'rate', type: 'numeric' },
    { name: 'flag', type: 'categorical' },
    { name: 'label', type: 'label' },
  ],
  header: false,
  delimiter: ',',
  labelSuffix: '.',
};
const WITH_HEADER: DatasetSchema = { ...SCHEMA, header: true };
const SEMICOLON: DatasetSchema = { ...SCHEMA, delimiter: ';', labelSuffix: undefined };
const TAB: DatasetSchema = { ...SCHEMA, delimiter: '\t' };

type Outcome = { result: LoadResult } | { error: { message: string; location: unknown } };

async function load(
  bytes: Buffer,
  schema: DatasetSchema,
  reader: 'bytes' | 'text',
  chunks: number[],
  options: LoadOptions = {},
): Promise<Outcome> {
  const pieces: Buffer[] = [];
  let at = 0;
  for (let k = 0; at < bytes.length; k++) {
    const size = Math.max(1, chunks[k % chunks.length]);
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  try {
    const result = await loadTableFromStream(Readable.from(pieces), schema, { ...options, reader });
    return { result };
  } catch (error) {
    const e = error as Error & { location?: unknown };
    return { error: { message: e.message, location: e.location } };
  }
}

/** Loads through both readers with the given chunk sizes; the byte path must give exactly the text path's. */
async function expectSame(
  content: string | Buffer,
  schema: DatasetSchema = SCHEMA,
  chunkings: number[][] = [[1 << 20], [1], [3, 7, 64]],
  options: LoadOptions = {},
): Promise<Outcome> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const reference = await load(bytes, schema, 'text', [1 << 20], options);
  for (const chunks of chunkings) {
    const text = await load(bytes, schema, 'text', chunks, options);
    const fast = await load(bytes, schema, 'bytes', chunks, options);
    expect(text).toEqual(reference);
    expect(fast).toEqual(reference);
  }
  return reference;
}

function kept(outcome: Outcome): LoadResult {
  if (!('result' in outcome)) throw new Error(`expected a table, got: ${outcome.error.message}`);
  return outcome.result;
}

describe('the byte path (byte-rows.ts + wasm/parse-rows.c) against the text path', () => {
  it('takes the byte path for comma, semicolon and tab schemas, not for time columns or long delimiters', () => {
    const layout = (schema: DatasetSchema) => new TableBuilder(schema, { file: 'x' }).byteLayout();
    expect(layout(SCHEMA)).toBeDefined();
    expect(layout(SEMICOLON)).toBeDefined();
    expect(layout(TAB)).toBeDefined();
    expect(layout({ ...SCHEMA, delimiter: '||' })).toBeUndefined();
    expect(layout({ ...SCHEMA, delimiter: '.' })).toBeUndefined();
    expect(layout({ ...SCHEMA, time: { timestamp: 'id' } })).toBeUndefined();
  });

  it('gives the same table, report and row keys on plain rows, duplicates included', async () => {
    const rows = [
      '1,tcp,10,0.5,SF,normal.',
      '2,udp,20,1.25,REJ,smurf.',
      '3,tcp,10,0.5,SF,normal.',
      '4,icmp,-0,-0.0,SF,normal.',
      '5,tcp,0,0,SF,normal.',
      '6,tcp,9007199254740991,0.0000000000000000000001,S0,neptune.',
    ];
    const outcome = await expectSame(`${rows.join('\n')}\n${rows.join('\n')}\n`);
    const { table, report } = kept(outcome);
    expect(table.nRows).toBe(12);
    expect(report.duplicateRows).toBe(7);
  });

  it('agrees on CRLF, blank lines, a missing last newline, a BOM and a header', async () => {
    await expectSame('1,tcp,10,0.5,SF,normal.\r\n\r\n\n2,udp,20,1,REJ,smurf.\r\n3,tcp,1,2,SF,normal.');
    await expectSame('\uFEFF1,tcp,10,0.5,SF,normal.\n2,udp,20,1,REJ,smurf.\r');
    await expectSame('\uFEFFid,proto,bytes,rate,flag,label\r\n\n1,tcp,1,2,SF,normal.\n', WITH_HEADER);
    await expectSame('\n\nid,proto,bytes,rate,flag,label\n1,tcp,1,2,SF,normal.\n', WITH_HEADER);
    await expectSame('\uFEFF', SCHEMA);
    await expectSame('', SCHEMA);
    await expectSame('1,t', SCHEMA);
  });

  it('agrees on every kind of field the kernel leaves to the table builder', async () => {
    const bad = [
      ' 5',
      '5 ',
      '1e3',
      '0x1F',
      '+5',
      '',
      '-',
      '.',
      '.5',
      '5.',
      '1.2.3',
      'nan',
      'Infinity',
      '12345678901234567890',
      '9007199254740992',
      '1.00000000000000000000001',
      '0.0000000000000000000001',
      '1e39',
      '"7"',
      '٣',
    ];
    const lines = bad.map((value, i) => `${i},tcp,${value},1,SF,normal.`);
    lines.push(
      '20,tcp,1,1,SF,.',
      '21,tcp,1,1,SF,normal..',
      '22, tcp,1,1,SF,normal.',
      '23,tcp ,1,1,SF,normal.',
      '24,,1,1,SF,normal.',
      '25,t\tc,1,1,SF,normal.',
      '26,tcp,1,1,SF,normal. ',
      '27,"tcp,v6",1,1,SF,normal.',
      '28,"unclosed,1,1,SF,normal.',
      '29,tcpé,1,1,SF,normal.',
      '30,tcp,1,1,SF',
      '31,tcp,1,1,SF,normal.,extra',
      '   ',
      '\t',
      ' 32,tcp,1,1,SF,normal.',
      '33,tcp,1,1,SF,normal.\r\r',
      '34,tcp,1,1\r,SF,normal.',
      '35,tcp,1,1,SF,norm"al.',
      'x"y,tcp,1,1,SF,normal.',
      '36,tcp,1,1,SF,\u00a0normal.',
      // More words than the kernel lists for one row's key: the table builder takes them.
      `37,${'w'.repeat(2000)},1,1,SF,normal.`,
      `38,${'w'.repeat(2000)},1,1,SF,normal.`,
      `39,${'w'.repeat(1000)},1,1,SF,normal.`,
      `40,${'w'.repeat(1000)},1,1,SF,normal.`,
    );
    const outcome = await expectSame(`${lines.join('\n')}\n`);
    expect(kept(outcome).report.rowsRejected).toBeGreaterThan(10);
    await expectSame(`${lines.join('\n')}\n`, SCHEMA, [[1 << 20]], { strict: true });
    await expectSame(`${lines.map((line) => line.replaceAll(',', ';')).join('\n')}\n`, SEMICOLON);
    await expectSame(`${lines.map((line) => line.replaceAll(',', '\t')).join('\n')}\n`, TAB);
  });

  it('agrees on invalid UTF-8, in a category, a number, an ignored field and cut at the end', async () => {
    const good = Buffer.from('1,tcp,1,1,SF,normal.\n');
    const parts = [
      good,
      Buffer.from([0x31, 0x2c, 0x74, 0xff, 0x2c, 0x31, 0x2c, 0x31, 0x2c, 0x53, 0x46, 0x2c, 0x6e, 0x2e, 0x0a]),
      Buffer.from([0x31, 0x2c, 0x74, 0x2c, 0xe2, 0x82, 0x2c, 0x31, 0x2c, 0x53, 0x46, 0x2c, 0x6e, 0x2e, 0x0a]),
      Buffer.from([
        0xf0, 0x9f, 0x98, 0x2c, 0x74, 0x2c, 0x31, 0x2c, 0x31, 0x2c, 0x53, 0x46, 0x2c, 0x6e, 0x2e, 0x0a,
      ]),
      good,
      Buffer.from([0x31, 0x2c, 0x74, 0x2c, 0x31, 0x2c, 0x31, 0x2c, 0x53, 0x46, 0x2c, 0x6e, 0xe2, 0x82]),
    ];
    await expectSame(Buffer.concat(parts));
    await expectSame(Buffer.from([0xef, 0xbb]));
    await expectSame(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), good]));
  });

  it('agrees on gzip input, and on gzip with trailing data or cut short', async () => {
    const rows = Array.from(
      { length: 300 },
      (_, i) => `${i},${['tcp', 'udp'][i % 2]},${i * 7},0.${i},SF,normal.`,
    );
    const zipped = gzipSync(`${rows.join('\n')}\n`);
    expect(kept(await expectSame(zipped, SCHEMA, [[1 << 20], [100]])).table.nRows).toBe(300);
    const trailing = await expectSame(Buffer.concat([zipped, Buffer.from('junk')]), SCHEMA, [[1 << 20]]);
    expect('error' in trailing).toBe(true);
    // How many rows were parsed before zlib noticed the cut depends on how it was fed and on its output
    // chunk (larger on the byte path), so only the rest of the message must agree.
    const cut = zipped.subarray(0, zipped.length - 100);
    const withoutCounts = (outcome: Outcome): unknown =>
      'error' in outcome ? outcome.error.message.replace(/\d+/g, 'N') : outcome;
    for (const chunks of [[1 << 20], [100]]) {
      const text = withoutCounts(await load(cut, SCHEMA, 'text', chunks));
      expect(text).toMatch(/gzip data is truncated or corrupt .* after N data rows \(near line N\)/);
      expect(withoutCounts(await load(cut, SCHEMA, 'bytes', chunks))).toBe(text);
    }
  });

  it('agrees on lines over the length cap, in ASCII and in 3-byte characters, held or streamed', async () => {
    const row = '1,tcp,1,1,SF,normal.\n';
    const long = `1,${'x'.repeat(MAX_LINE_CHARS)},1,1,SF,normal.\n`;
    // 3 bytes but one UTF-16 unit each: under the cap in units though over it in bytes.
    const wide = `1,${'€'.repeat(MAX_LINE_CHARS - 100)},1,1,SF,normal.\n`;
    const wider = `1,${'€'.repeat(MAX_LINE_CHARS + 100)},1,1,SF,normal.\n`;
    const content = row + long + row + wide + row + wider + row + 'y'.repeat(MAX_LINE_CHARS + 5);
    const outcome = await expectSame(content, SCHEMA, [[1 << 20], [256 * 1024, 999_983], [8 << 20]]);
    expect(kept(outcome).report.rejectedByReason).toEqual({ 'line too long': 3 });
  });

  it('gives the same table whatever the size hint it reserves rows from (none, too small, right, too large)', async () => {
    const rows = Array.from(
      { length: 5000 },
      (_, i) => `${i},${['tcp', 'udp'][i % 2]},${i % 97},0.5,SF,normal.`,
    );
    const bytes = Buffer.from(`${rows.join('\n')}\n`);
    const reference = kept(await load(bytes, SCHEMA, 'text', [1 << 20]));
    for (const hint of [undefined, 1, bytes.length, 100 * bytes.length]) {
      const builder = new TableBuilder(SCHEMA, { file: 'stream' });
      const reader = new ByteRowReader(builder, hint);
      for (let at = 0; at < bytes.length; at += 70_001) reader.push(bytes.subarray(at, at + 70_001));
      reader.end();
      expect(builder.finish()).toEqual(reference);
    }
  });

  it('agrees when a column has more categories than the kernel keeps (the rest go to the table builder)', async () => {
    const rows: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2100; i++) rows.push(`${i},p${i},${i},1,SF,normal.`);
    }
    const outcome = await expectSame(`${rows.join('\n')}\n`, SCHEMA, [[1 << 20]]);
    expect(kept(outcome).report.duplicateRows).toBe(2100);
  });

  it('agrees on random files (fuzz: tokens of good and bad fields, random bytes, random chunking)', async () => {
    const random = new Random(15);
    const numbers = [
      '0',
      '1',
      '-3',
      '2.5',
      '0.000001',
      '',
      ' 7',
      '1e2',
      'x',
      '-0',
      '.5',
      '99999999999999999',
    ];
    const categories = ['tcp', 'udp', 'icmp', 'SF', 'S0', ' tcp', 'tcp ', '', 'é', '"q"', 'a b'];
    const labels = ['normal.', 'smurf.', 'neptune', '.', 'normal. ', 'back.'];
    const noise = ['\r', '\n', ',', '"', '\u00ff', '\t', ' ', '€', '\uFEFF'];
    const pick = (list: string[]): string => list[random.int(list.length)];
    for (let file = 0; file < 60; file++) {
      const lines: string[] = [];
      const n = 5 + random.int(40);
      for (let i = 0; i < n; i++) {
        const fields = [
          String(i),
          pick(categories),
          pick(numbers),
          pick(numbers),
          pick(categories),
          pick(labels),
        ];
        if (random.next() < 0.05) fields.pop();
        if (random.next() < 0.05) fields.push('extra');
        let line = fields.join(',');
        if (random.next() < 0.1) {
          const at = random.int(line.length + 1);
          line = line.slice(0, at) + pick(noise) + line.slice(at);
        }
        lines.push(line + (random.next() < 0.2 ? '\r' : ''));
      }
      let bytes = Buffer.from(lines.join('\n') + (random.next() < 0.5 ? '\n' : ''), 'utf8');
      if (random.next() < 0.2) {
        const at = random.int(bytes.length);
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          Buffer.from([0x80 + random.int(0x80)]),
          bytes.subarray(at),
        ]);
      }
      const schema = random.next() < 0.2 ? WITH_HEADER : SCHEMA;
      const chunks = [1 + random.int(40), 1 + random.int(300)];
      await expectSame(random.next() < 0.3 ? gzipSync(bytes) : bytes, schema, [chunks, [1 << 20]]);
    }
  });
});

const dataDir = resolve(import.meta.dirname, '../..', process.env.IOT_IDS_DATA_DIR ?? '../shared/data');

describe.runIf(dataAvailable(join(dataDir, 'nsl-kdd'), 'byte path on NSL-KDD'))(
  'byte path on NSL-KDD',
  () => {
    it('loads KDDTrain+_20Percent exactly as the text path does', async () => {
      const path = join(dataDir, 'nsl-kdd/KDDTrain+_20Percent.txt.gz');
      const schema = DATASETS['nsl-kdd'].schema;
      const text = await loadTable(path, schema, { reader: 'text' });
      const bytes = await loadTable(path, schema, { reader: 'bytes' });
      expect(bytes.table.nRows).toBe(25_192);
      // Typed arrays compared as bytes (toEqual walks them element by element: seconds at this size).
      const raw = (values: ArrayBufferView): Buffer =>
        Buffer.from(values.buffer, values.byteOffset, values.byteLength);
      const columns = (result: LoadResult): Buffer[] => [
        ...result.table.features.map((c) => raw(c.kind === 'numeric' ? c.values : c.codes)),
        raw(result.table.label.codes),
        raw(result.table.lineNumbers),
        raw(result.rowKeys),
      ];
      const expected = columns(text);
      const got = columns(bytes);
      expect(got.length).toBe(expected.length);
      got.forEach((column, k) => expect(column.equals(expected[k])).toBe(true));
      const categories = (result: LoadResult): string[][] =>
        [...result.table.features, result.table.label].map((c) =>
          c.kind === 'categorical' ? c.categories : [],
        );
      expect(categories(bytes)).toEqual(categories(text));
      expect(bytes.report).toEqual(text.report);
    });
  },
);
