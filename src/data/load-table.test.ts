import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { countOverlap, type CleaningReport } from './cleaning-report.js';
import { MAX_LINE_CHARS } from './line-splitter.js';
import { loadTable, loadTableFromStream } from './load-table.js';
import { DATASETS } from './registry.js';
import type { DatasetSchema } from './schema.js';
import { rawLabelAt, type CategoricalColumn, type NumericColumn, type Table } from './table.js';
import { dataAvailable } from '../../test/available.js';

const SCHEMA: DatasetSchema = {
  name: 'toy',
  columns: [
    { name: 'id', type: 'ignore' },
    { name: 'proto', type: 'categorical' },
    { name: 'bytes', type: 'numeric' },
    { name: 'rate', type: 'numeric' },
    { name: 'label', type: 'label' },
  ],
  header: false,
  delimiter: ',',
  labelSuffix: '.',
};
const WITH_HEADER: DatasetSchema = { ...SCHEMA, header: true };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTemp(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function numeric(table: Table, name: string): number[] {
  const column = table.features.find((c) => c.name === name) as NumericColumn;
  return Array.from(column.values);
}

function categorical(table: Table, name: string): string[] {
  const column = table.features.find((c) => c.name === name) as CategoricalColumn;
  return Array.from(column.codes, (code) => column.categories[code]);
}

function labels(table: Table): string[] {
  return Array.from({ length: table.nRows }, (_, i) => rawLabelAt(table, i));
}

function expectBalanced(report: CleaningReport): void {
  expect(report.rowsRead).toBe(report.rowsKept + report.rowsRejected);
  const byReason = Object.values(report.rejectedByReason).reduce((sum, n) => sum + n, 0);
  expect(byReason).toBe(report.rowsRejected);
}

async function loadError(promise: Promise<unknown>): Promise<IotIdsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IotIdsError);
  return error as IotIdsError;
}

/** Rows with random values so gzip cannot squeeze them into a few bytes. */
function randomRows(n: number, seed: number): string {
  const random = new Random(seed);
  const protos = ['tcp', 'udp', 'icmp'];
  let text = '';
  for (let i = 0; i < n; i++) {
    text += `${i},${protos[random.int(3)]},${random.int(1_000_000)},${random.next().toFixed(6)},normal.\n`;
  }
  return text;
}

describe('loadTable: well-formed input', () => {
  it('reads a header after a BOM, CRLF line ends, trims categoricals and strips the label suffix', async () => {
    const text =
      '\uFEFFid,proto,bytes,rate,label\r\n1, tcp ,10,0.5,normal.\r\n2,udp, 20 ,1e3, smurf. \r\n\r\n3,tcp,0,-0.25,normal\r\n';
    const path = await writeTemp('header.csv', text);
    const { table, report } = await loadTable(path, WITH_HEADER);
    expect(table.nRows).toBe(3);
    expect(table.features.map((c) => c.name)).toEqual(['proto', 'bytes', 'rate']);
    expect(categorical(table, 'proto')).toEqual(['tcp', 'udp', 'tcp']);
    expect(numeric(table, 'bytes')).toEqual([10, 20, 0]);
    expect(numeric(table, 'rate')).toEqual([0.5, 1000, -0.25]);
    expect(labels(table)).toEqual(['normal', 'smurf', 'normal']);
    expect(Array.from(table.lineNumbers)).toEqual([2, 3, 5]);
    expect(report).toMatchObject({ file: path, rowsRead: 3, rowsKept: 3, rowsRejected: 0, duplicateRows: 0 });
  });

  it('detects gzip by its magic bytes, not by the extension', async () => {
    const text = randomRows(50, 1);
    const gzipped = await writeTemp('really-gzip.csv', gzipSync(text));
    const plain = await writeTemp('really-plain.gz', text);
    const a = await loadTable(gzipped, SCHEMA);
    const b = await loadTable(plain, SCHEMA);
    expect(a.table.nRows).toBe(50);
    expect(numeric(a.table, 'bytes')).toEqual(numeric(b.table, 'bytes'));
    expect(Array.from(a.rowKeys)).toEqual(Array.from(b.rowKeys));
  });

  it('grows columns past the initial capacity and keeps every value', async () => {
    const n = 10_000;
    const path = await writeTemp('many.csv.gz', gzipSync(randomRows(n, 2)));
    const { table, report } = await loadTable(path, SCHEMA);
    expect(table.nRows).toBe(n);
    expect(numeric(table, 'bytes')).toHaveLength(n);
    expect(table.lineNumbers[n - 1]).toBe(n);
    expect(report.rowsKept).toBe(n);
  });

  it('counts exact duplicates, ignoring ignored columns, and gives them equal row keys', async () => {
    const path = await writeTemp(
      'dups.csv',
      '1,tcp,1,1,a\n2,tcp,1,1,a\n3,tcp,1,1,b\n4, tcp ,1.0,1,a\n5,udp,1,1,a\n',
    );
    const { report, rowKeys } = await loadTable(path, SCHEMA);
    expect(report.duplicateRows).toBe(2);
    expect(rowKeys[1]).toBe(rowKeys[0]);
    expect(rowKeys[3]).toBe(rowKeys[0]);
    expect(rowKeys[2]).not.toBe(rowKeys[0]);
    expect(rowKeys[4]).not.toBe(rowKeys[0]);
  });

  it('parses quoted fields with papaparse, including a delimiter inside quotes', async () => {
    const path = await writeTemp('quoted.csv', '1,"tcp,v6",5,"2.5",normal\n2,"unclosed,5,1,normal\n');
    const { table, report } = await loadTable(path, SCHEMA);
    expect(categorical(table, 'proto')).toEqual(['tcp,v6']);
    expect(numeric(table, 'rate')).toEqual([2.5]);
    expect(report.rejectedByReason).toEqual({ 'malformed quotes': 1 });
  });

  it('gives the same values and keys whichever path splits the line (scan, papaparse, other delimiter)', async () => {
    const plain = await loadTable(await writeTemp('path-plain.csv', '1,tcp,5,0.5,a\n'), SCHEMA);
    const quoted = await loadTable(await writeTemp('path-quoted.csv', '1,"tcp","5",0.5,"a"\n'), SCHEMA);
    const tabs = await loadTable(await writeTemp('path-tabs.tsv', '1\ttcp\t5\t0.5\ta\n'), {
      ...SCHEMA,
      delimiter: '\t',
    });
    const wide = await loadTable(await writeTemp('path-wide.txt', '1::tcp::5::0.5::a\n'), {
      ...SCHEMA,
      delimiter: '::',
    });
    for (const other of [quoted, tabs, wide]) {
      expect(numeric(other.table, 'rate')).toEqual([0.5]);
      expect(categorical(other.table, 'proto')).toEqual(['tcp']);
      expect(other.rowKeys[0]).toBe(plain.rowKeys[0]);
    }
  });

  it('loads from a stream of string or byte chunks, gzip included, with UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('1,café,1,1,normal\n2,tcp,2,2,normal\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of 'é'
    const fromBytes = await loadTableFromStream(
      Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]),
      SCHEMA,
    );
    expect(categorical(fromBytes.table, 'proto')).toEqual(['café', 'tcp']);
    expect(fromBytes.report.file).toBe('stream');

    const fromStrings = await loadTableFromStream(
      (async function* () {
        yield '1,tcp,1,';
        await Promise.resolve(); // a chunk that arrives later
        yield '1,normal\n';
      })(),
      SCHEMA,
      { sourceName: 'stdin' },
    );
    expect(fromStrings.table.nRows).toBe(1);
    expect(fromStrings.report.file).toBe('stdin');

    const gz = gzipSync(randomRows(20, 3));
    const fromGzip = await loadTableFromStream(Readable.from([gz.subarray(0, 1), gz.subarray(1)]), SCHEMA);
    expect(fromGzip.table.nRows).toBe(20);
  });

  it('reports progress against the file size, ending with the final counts', async () => {
    const path = await writeTemp('progress.csv.gz', gzipSync(randomRows(2000, 4)));
    const size = (await stat(path)).size;
    const calls: [number, number, number | undefined][] = [];
    await loadTable(path, SCHEMA, { onProgress: (rows, bytes, total) => calls.push([rows, bytes, total]) });
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[calls.length - 1]).toEqual([2000, size, size]);
  });
});

describe('loadTable: bad input', () => {
  it('refuses a truncated gzip file instead of returning the rows before the damage', async () => {
    const whole = gzipSync(randomRows(20_000, 5));
    const path = await writeTemp('truncated.csv.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await loadError(loadTable(path, SCHEMA));
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/gzip data is truncated or corrupt/);
    const rowsBefore = Number(/after (\d+) data rows/.exec(error.message)?.[1]);
    expect(rowsBefore).toBeGreaterThan(1000);
    expect(rowsBefore).toBeLessThan(20_000);
    expect(error.location.file).toBe(path);
  });

  it.each([
    ['zero bytes', Buffer.alloc(10), /10 bytes follow the gzip stream \(all zero\)/],
    ['other bytes', Buffer.from('junk after'), /bytes that are not a gzip stream follow the gzip stream/],
  ])(
    'refuses a gzip file with trailing %s the same way, saying what follows the stream',
    async (_n, tail, says) => {
      const gz = gzipSync(randomRows(50, 6));
      const path = await writeTemp('trailing.csv.gz', Buffer.concat([gz, tail]));
      const error = await loadError(loadTable(path, SCHEMA));
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/the file has trailing data after its gzip stream: /);
      expect(error.message).toMatch(says);
      expect(error.message).not.toMatch(/after 0 data rows/);
    },
  );

  it('counts rows with the wrong number of fields, with their line numbers', async () => {
    const path = await writeTemp('columns.csv', '1,tcp,1,1,a\n2,tcp,1,1\n3,tcp,1,1,a,extra\n4,udp,2,2,a\n');
    const { table, report } = await loadTable(path, SCHEMA);
    expect(table.nRows).toBe(2);
    expect(report.rejectedByReason).toEqual({ 'wrong column count': 2 });
    expect(report.rejectedExamples).toEqual([
      { line: 2, reason: 'wrong column count', detail: '4 fields, expected 5' },
      { line: 3, reason: 'wrong column count', detail: '6 fields, expected 5' },
    ]);
    expectBalanced(report);
  });

  it('rejects NaN, Inf, non-numeric, out-of-range and empty values and counts empty fields per column', async () => {
    const lines = [
      '1,tcp,1,1,a', // kept
      '2,tcp,NaN,1,a',
      '3,tcp,1,inf,a',
      '4,tcp,-Infinity,1,a',
      '5,tcp,1e999,1,a',
      '6,tcp,12abc,1,a',
      '7,tcp,1e300,1,a',
      '8,tcp,,1,a',
      '9,, ,1,a', // two empty fields: one rejection, both columns counted
      '10,tcp,1,1,',
      '11,newproto,x,1,a', // rejected: its category must not enter the dictionary
    ];
    const path = await writeTemp('values.csv', `${lines.join('\n')}\n`);
    const { table, report } = await loadTable(path, SCHEMA);
    expect(table.nRows).toBe(1);
    expect(report.rejectedByReason).toEqual({
      'NaN or Inf': 4,
      'non-numeric value': 2,
      'out of float32 range': 1,
      'empty value': 3,
    });
    expect(report.missingPerColumn).toEqual({ proto: 1, bytes: 2, label: 1 });
    expect(report.rejectedExamples.find((r) => r.line === 6)).toEqual({
      line: 6,
      reason: 'non-numeric value',
      field: 'bytes',
      detail: '"12abc"',
    });
    expect(report.rejectedExamples.find((r) => r.line === 9)).toMatchObject({
      reason: 'empty value',
      field: 'proto',
    });
    expect((table.features[0] as CategoricalColumn).categories).toEqual(['tcp']);
    expectBalanced(report);
  });

  it('takes decimal numbers only: hex, octal, binary, a plus sign and non-ASCII padding are counted', async () => {
    const lines = [
      '1,tcp,1,1,a', // kept
      '2,tcp,-1.5e3,.5,a', // kept: decimal with exponent, leading point
      '3,tcp, 7 ,1,a', // kept: ASCII spaces around
      '4,tcp,0x1F,1,a',
      '5,tcp,0o17,1,a',
      '6,tcp,0b101,1,a',
      '7,tcp,+5,1,a',
      '8,tcp,\u00a05,1,a',
      '9,tcp,5\u2003,1,a',
    ];
    const path = await writeTemp('decimal.csv', `${lines.join('\n')}\n`);
    const { table, report } = await loadTable(path, SCHEMA);
    expect(Array.from((table.features[1] as NumericColumn).values)).toEqual([1, -1500, 7]);
    expect(report.rejectedByReason).toEqual({ 'non-decimal number': 6 });
    expect(report.rejectedExamples[0]).toEqual({
      line: 4,
      reason: 'non-decimal number',
      field: 'bytes',
      detail: '"0x1F"',
    });
    expectBalanced(report);
  });

  it('rejects invalid UTF-8 in a categorical field as such, without crashing, and keeps valid UTF-8', async () => {
    const content = Buffer.concat([
      Buffer.from('1,tcp,1,1,a\n2,'),
      Buffer.from([0x74, 0xff, 0xfe, 0x70]), // 't', two bytes that are never valid UTF-8, 'p'
      Buffer.from(',1,1,a\n3,tcp,'),
      Buffer.from([0xc3]), // truncated two-byte sequence in a numeric field
      Buffer.from(',1,a\n4,ünï,1,1,a\n'),
    ]);
    const path = await writeTemp('latin1.csv', content);
    const { table, report } = await loadTable(path, SCHEMA);
    expect(categorical(table, 'proto')).toEqual(['tcp', 'ünï']);
    expect(report.rejectedExamples).toEqual([
      { line: 2, reason: 'invalid UTF-8', field: 'proto', detail: JSON.stringify('t\uFFFD\uFFFDp') },
      { line: 3, reason: 'non-numeric value', field: 'bytes', detail: JSON.stringify('\uFFFD') },
    ]);
    expectBalanced(report);
  });

  it('rejects a 10 MB line as too long and still loads the lines after it', async () => {
    const huge = `3,tcp,${'9'.repeat(10 * 1024 * 1024)},1,a`;
    const path = await writeTemp('long-line.csv', `1,tcp,1,1,a\n${huge}\n2,udp,2,2,b\n`);
    const { table, report } = await loadTable(path, SCHEMA);
    expect(labels(table)).toEqual(['a', 'b']);
    expect(Array.from(table.lineNumbers)).toEqual([1, 3]);
    expect(report.rejectedByReason).toEqual({ 'line too long': 1 });
    expect(report.rejectedExamples[0]).toMatchObject({ line: 2, reason: 'line too long' });
    expect(huge.length).toBeGreaterThan(MAX_LINE_CHARS);
    expectBalanced(report);
  });

  it('fails clearly on an empty file, a header-only file and a file of blank lines', async () => {
    const empty = await writeTemp('empty.csv', '');
    expect((await loadError(loadTable(empty, SCHEMA))).message).toBe(`${empty}: no data rows`);
    const headerOnly = await writeTemp('header-only.csv', 'id,proto,bytes,rate,label\n');
    expect((await loadError(loadTable(headerOnly, WITH_HEADER))).message).toMatch(
      /no data rows after the header/,
    );
    const blank = await writeTemp('blank.csv.gz', gzipSync('\n\r\n  \n'));
    expect((await loadError(loadTable(blank, SCHEMA))).message).toMatch(/no data rows/);
  });

  it('fails when every row is rejected, saying why', async () => {
    const path = await writeTemp('all-bad.csv', 'a,b\nc,d\n');
    const error = await loadError(loadTable(path, SCHEMA));
    expect(error.message).toMatch(/no usable rows: all 2 data rows were rejected \(wrong column count 2\)/);
  });

  it('in strict mode throws at the first bad row, naming file, line and field', async () => {
    const path = await writeTemp('strict.csv', '1,tcp,1,1,a\n2,tcp,1,1,a\n3,tcp,oops,1,a\n4,tcp,,1,a\n');
    const error = await loadError(loadTable(path, SCHEMA, { strict: true, sourceName: 'strict.csv' }));
    expect(error.location).toEqual({ file: 'strict.csv', line: 3, field: 'bytes' });
    expect(error.message).toBe(
      'strict.csv, line 3, field "bytes": rejected row (strict mode): non-numeric value "oops"',
    );
  });

  it('checks the header against the schema', async () => {
    const path = await writeTemp('bad-header.csv', 'id,protocol,bytes,rate,label\n1,tcp,1,1,a\n');
    const error = await loadError(loadTable(path, WITH_HEADER));
    expect(error.location).toEqual({ file: path, line: 1, field: 'proto' });
    expect(error.message).toMatch(/header column 2 is "protocol", schema "toy" expects "proto"/);
  });

  it('names the file when it cannot be read', async () => {
    const missing = join(dir, 'does-not-exist.csv');
    const error = await loadError(loadTable(missing, SCHEMA));
    expect(error.message).toMatch(/does-not-exist\.csv: cannot read file/);
  });

  it('keeps counting past the example limit', async () => {
    const path = await writeTemp('limit.csv', `${'x\n'.repeat(5)}1,tcp,1,1,a\n`);
    const { report } = await loadTable(path, SCHEMA, { maxRejectedExamples: 2 });
    expect(report.rowsRejected).toBe(5);
    expect(report.rejectedExamples).toHaveLength(2);
    expectBalanced(report);
  });
});

const dataDir = resolve(import.meta.dirname, '../..', process.env.IOT_IDS_DATA_DIR ?? '../shared/data');

describe.runIf(dataAvailable(join(dataDir, 'nsl-kdd'), 'loadTable on NSL-KDD'))(
  'loadTable on NSL-KDD',
  () => {
    it('loads KDDTest+ completely and finds the 610 test rows that also occur in KDDTrain+', async () => {
      const schema = DATASETS['nsl-kdd'].schema;
      const test = await loadTable(join(dataDir, 'nsl-kdd/KDDTest+.txt.gz'), schema);
      expect(test.report).toMatchObject({
        rowsRead: 22_544,
        rowsKept: 22_544,
        rowsRejected: 0,
        duplicateRows: 0,
      });
      expect(test.table.features).toHaveLength(41);
      const protocol = test.table.features.find((c) => c.name === 'protocol_type') as CategoricalColumn;
      expect([...protocol.categories].sort()).toEqual(['icmp', 'tcp', 'udp']);
      expect(test.table.label.categories).toHaveLength(38);

      const train = await loadTable(join(dataDir, 'nsl-kdd/KDDTrain+.txt.gz'), schema);
      expect(train.table.nRows).toBe(125_973);
      expect(countOverlap(train.rowKeys, test.rowKeys)).toBe(610);
    });
  },
);
