import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RejectedRow } from '../data/cleaning-report.js';
import type { CategoricalColumn, NumericColumn, Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { UNLABELLED } from './detection-table.js';
import { streamRecordBatches, type RecordBatch, type RecordBatchOptions } from './record-batches.js';
import { TINY_SCHEMA, tinyLine, tinyRows, type TinyLayout } from './test-helpers/tiny-model.js';

async function collect(
  input: Parameters<typeof streamRecordBatches>[0],
  options: RecordBatchOptions = {},
  schema = TINY_SCHEMA,
): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of streamRecordBatches(input, schema, options)) batches.push(batch);
  return batches;
}

/** Text split into chunks of `size` bytes, so lines and multi-byte characters straddle chunk borders. */
async function* chunked(data: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let at = 0; at < bytes.length; at += size) {
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
  }
}

function lines(batches: RecordBatch[]): number[] {
  return batches.flatMap((b) => Array.from(b.table.lineNumbers));
}

function rejected(batches: RecordBatch[]): RejectedRow[] {
  return batches.flatMap((b) => b.rejected);
}

function numeric(batches: RecordBatch[], name: string): number[] {
  return batches.flatMap((b) =>
    Array.from((b.table.features.find((c) => c.name === name) as NumericColumn).values),
  );
}

function categorical(batches: RecordBatch[], name: string): string[] {
  return batches.flatMap((b) => {
    const column = b.table.features.find((c) => c.name === name) as CategoricalColumn;
    return Array.from(column.codes, (code) => column.categories[code]);
  });
}

const ROWS = tinyRows(5, 10);
const text = (layout: TinyLayout = 'all-columns'): string =>
  `${ROWS.map((r) => tinyLine(r, layout)).join('\n')}\n`;

describe('streamRecordBatches', () => {
  it('cuts batches of batchRows lines and keeps line numbers across batch and chunk boundaries', async () => {
    const batches = await collect(chunked(text(), 7), { batchRows: 3 });
    expect(batches.map((b) => b.table.nRows)).toEqual([3, 3, 3, 1]);
    expect(lines(batches)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(numeric(batches, 'signal')).toEqual(ROWS.map((r) => Math.fround(r.signal)));
    expect(categorical(batches, 'proto')).toEqual(ROWS.map((r) => r.proto));
    expect(
      batches.every((b) => b.table.features.map((c) => c.name).join() === 'duration,proto,signal,noise'),
    ).toBe(true);
  });

  it('does not count blank lines as rows but keeps their line numbers', async () => {
    const input = `${tinyLine(ROWS[0])}\n\n  \n${tinyLine(ROWS[1])}\r\n${tinyLine(ROWS[2])}`;
    const batches = await collect(chunked(input, 5), { batchRows: 2 });
    expect(batches.map((b) => b.table.nRows)).toEqual([2, 1]);
    expect(lines(batches)).toEqual([1, 4, 5]);
  });

  it('reports bad lines with line number, reason and field, skips them and keeps the rest', async () => {
    const good = ROWS.map((r) => tinyLine(r));
    const input = [
      good[0],
      '12,tcp,3.5,0.1,normal', // line 2: one field short of the all-columns layout fixed by line 1
      good[1],
      '12,tcp,NaN,0.1,normal,3', // line 4
      '12,tcp,abc,0.1,normal,3', // line 5
      '12,,3.5,0.1,normal,3', // line 6
      good[2],
      '12,tcp,1e39,0.1,normal,3', // line 8
      '1,"tcp,3.5,0.1,normal,3', // line 9: unbalanced quote
      good[3],
    ].join('\n');
    const batches = await collect(chunked(input, 11), { batchRows: 4 });
    expect(lines(batches)).toEqual([1, 3, 7, 10]);
    expect(rejected(batches)).toEqual([
      { line: 2, reason: 'wrong column count', detail: '5 fields, expected 6' },
      { line: 4, reason: 'NaN or Inf', field: 'signal', detail: '"NaN"' },
      { line: 5, reason: 'non-numeric value', field: 'signal', detail: '"abc"' },
      { line: 6, reason: 'empty value', field: 'proto' },
      { line: 8, reason: 'out of float32 range', field: 'signal', detail: '"1e39"' },
      { line: 9, reason: 'malformed quotes' },
    ]);
    // Rejected lines count towards the batch size: 10 data lines in batches of 4.
    expect(batches.map((b) => b.table.nRows + b.rejected.length)).toEqual([4, 4, 2]);
    for (const batch of batches) {
      expect(batch.rejected.map((r) => r.line)).toEqual(
        [...batch.rejected.map((r) => r.line)].sort((a, b) => a - b),
      );
    }
  });

  it('yields a batch of rejections only when a batch has no valid line', async () => {
    const batches = await collect(chunked(`a,b\nc,d\n${tinyLine(ROWS[0])}\n`, 64), { batchRows: 2 });
    expect(batches[0].table.nRows).toBe(0);
    expect(batches[0].table.features.map((c) => c.name)).toEqual(['duration', 'proto', 'signal', 'noise']);
    expect(batches[0].rejected).toEqual([
      {
        line: 1,
        reason: 'wrong column count',
        detail: '2 fields, expected 6 (all columns), 5 (without the label) or 4 (features only)',
      },
      {
        line: 2,
        reason: 'wrong column count',
        detail: '2 fields, expected 6 (all columns), 5 (without the label) or 4 (features only)',
      },
    ]);
    expect(lines(batches)).toEqual([3]);
  });

  it('reads the same records whether the label is there, left out, or only features are given', async () => {
    const all = await collect(chunked(text('all-columns'), 13));
    for (const layout of ['without-label', 'features-only'] as const) {
      const other = await collect(chunked(text(layout), 13));
      expect(lines(other)).toEqual(lines(all));
      for (const name of ['duration', 'signal', 'noise'])
        expect(numeric(other, name)).toEqual(numeric(all, name));
      expect(categorical(other, 'proto')).toEqual(categorical(all, 'proto'));
    }
  });

  it('never reads the label: empty or odd labels do not reject a row, and every row is UNLABELLED', async () => {
    const input = ['1,tcp,3,0.5,,7', '2,udp,13,0.5,"a, label",7', '3,icmp,23,0.5,\uFFFD,7'].join('\n');
    const [batch] = await collect(chunked(input, 4));
    expect(batch.rejected).toEqual([]);
    expect(batch.table.nRows).toBe(3);
    expect(batch.table.label.categories).toEqual([UNLABELLED]);
  });

  it('fixes the layout with the first data line and rejects lines of another layout', async () => {
    const input = `${tinyLine(ROWS[0], 'features-only')}\n${tinyLine(ROWS[1])}\n`;
    const [batch] = await collect(chunked(input, 64));
    expect(batch.table.nRows).toBe(1);
    expect(batch.rejected).toEqual([
      { line: 2, reason: 'wrong column count', detail: '6 fields, expected 4' },
    ]);
  });

  it('takes the layout from the first line that parses: a damaged first line does not reject the rest', async () => {
    // One ',' replaced by ';' in line 1 leaves 5 fields, which is the without-label count.
    const damaged = tinyLine(ROWS[0]).replace(',', ';');
    const input = `${damaged}\n${ROWS.slice(1, 6)
      .map((r) => tinyLine(r))
      .join('\n')}\n`;
    const [batch] = await collect(chunked(input, 64));
    expect(batch.table.nRows).toBe(5);
    expect(batch.rejected).toHaveLength(1);
    expect(batch.rejected[0]).toMatchObject({ line: 1, reason: 'non-numeric value', field: 'duration' });
  });

  it('reads gzip input, detected by its magic bytes, in small chunks', async () => {
    const gz = gzipSync(Buffer.from(text(), 'utf8'));
    const batches = await collect(chunked(gz, 9), { batchRows: 4 });
    expect(lines(batches)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(numeric(batches, 'signal')).toEqual(ROWS.map((r) => Math.fround(r.signal)));
  });

  it('reads a stdin-like stream with a BOM, CRLF line ends and strings as chunks', async () => {
    const stream = new PassThrough();
    const done = collect(stream, { batchRows: 6 });
    stream.write('\uFEFF');
    for (const row of ROWS) stream.write(`${tinyLine(row, 'without-label')}\r\n`);
    stream.end();
    const batches = await done;
    expect(batches.map((b) => b.table.nRows)).toEqual([6, 4]);
    expect(numeric(batches, 'duration')).toEqual(ROWS.map((r) => r.duration));
    expect(rejected(batches)).toEqual([]);
  });

  it('accepts a header for any layout and rejects a header that names other columns', async () => {
    const header = 'duration,proto,signal,noise';
    const batches = await collect(chunked(`${header}\n${tinyLine(ROWS[0], 'features-only')}\n`, 8), {
      header: true,
    });
    expect(lines(batches)).toEqual([2]);
    const wrong = collect(chunked(`duration,proto,signal,nois\n1,tcp,2,3\n`, 8), { header: true });
    await expect(wrong).rejects.toThrow(/line 1, field "noise": header column 4 is "nois"/);
    const count = collect(chunked(`a,b\n`, 8), { header: true });
    await expect(count).rejects.toThrow(/header has 2 columns/);
  });

  it('streams: batches arrive before the input ends (an endless source is read only as far as needed)', async () => {
    let produced = 0;
    let closed = false;
    const random = new Random(1);
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) {
          await Promise.resolve();
          produced++;
          yield `${tinyLine(tinyRows(random.nextUint32(), 1)[0])}\n`;
        }
      } finally {
        closed = true;
      }
    }
    const seen: Table[] = [];
    for await (const batch of streamRecordBatches(endless(), TINY_SCHEMA, { batchRows: 50 })) {
      seen.push(batch.table);
      if (seen.length === 3) break;
    }
    expect(seen.map((t) => t.lineNumbers[0])).toEqual([1, 51, 101]);
    expect(produced).toBeLessThan(200);
    // Stopping early closes the source.
    expect(closed).toBe(true);
  });

  it('fails with the file name when gzip data is truncated, after delivering the batches before it', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => tinyLine(ROWS[i % ROWS.length])).join('\n');
    const gz = gzipSync(Buffer.from(many, 'utf8'));
    const truncated = gz.subarray(0, Math.floor(gz.length / 2));
    const delivered: number[] = [];
    const reading = (async () => {
      for await (const batch of streamRecordBatches(Readable.from(chunked(truncated, 512)), TINY_SCHEMA, {
        batchRows: 100,
        sourceName: 'cut.gz',
      })) {
        delivered.push(batch.table.nRows);
      }
    })();
    await expect(reading).rejects.toThrow(IotIdsError);
    await expect(reading).rejects.toThrow(
      /cut\.gz: gzip data is truncated or corrupt .*after \d+ data rows \(near line \d+/,
    );
    expect(delivered.length).toBeGreaterThan(0);
  });

  it('rejects a batch size that is not a positive integer', async () => {
    await expect(collect(chunked(text(), 10), { batchRows: 0 })).rejects.toThrow(/batchRows/);
  });
});
