import { describe, expect, it } from 'vitest';
import type { NumericColumn } from '../data/table.js';
import { TINY_SCHEMA } from '../detection/test-helpers/tiny-model.js';
import { decodeDetectBody, submittedRecords, type DetectBodyRequest } from './detect-body.js';
import { HttpError } from './http-error.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const request: DetectBodyRequest = {
  contentType: 'text/csv',
  schema: TINY_SCHEMA,
  maxRecords: 10,
  sourceField: undefined,
  client: '10.0.0.7',
};

const signals = (decoded: Awaited<ReturnType<typeof decodeDetectBody>>): number[] =>
  Array.from((decoded.table.features[2] as NumericColumn).values);

describe('text/csv bodies', () => {
  it('reads lines without a header in any of the dataset layouts, as detect and Kafka do', async () => {
    for (const body of [
      '1,tcp,3,0.5,normal,7\n2,udp,15,0.1,dos,3\n',
      '1,tcp,3,0.5,7\n2,udp,15,0.1,3',
      '1,tcp,3,0.5\r\n2,udp,15,0.1\r\n',
    ]) {
      const decoded = await decodeDetectBody(bytes(body), request);
      expect(decoded.format).toBe('csv');
      expect(decoded.recordCount).toBe(2);
      expect(decoded.errors).toEqual([]);
      expect(signals(decoded)).toEqual([3, 15]);
      expect(Array.from(decoded.rowIndices)).toEqual([0, 1]);
      expect(decoded.source).toBe('10.0.0.7');
    }
  });

  it('recognises a header naming the columns of a layout, or takes header=present|absent from the type', async () => {
    const withHeader = 'duration,proto,signal,noise\n1,tcp,3,0.5\n2,udp,25,0.1\n';
    const decoded = await decodeDetectBody(bytes(withHeader), request);
    expect(decoded.recordCount).toBe(2);
    expect(signals(decoded)).toEqual([3, 25]);
    expect(Array.from(decoded.rowIndices)).toEqual([1, 2]);
    const declared = await decodeDetectBody(bytes(withHeader), {
      ...request,
      contentType: 'text/csv; header=present',
    });
    expect(signals(declared)).toEqual([3, 25]);
    // Declared absent, the header is a line like any other, and rejected as one.
    const absent = await decodeDetectBody(bytes(withHeader), {
      ...request,
      contentType: 'text/csv; header="absent"',
    });
    expect(absent.recordCount).toBe(3);
    expect(absent.errors).toEqual([
      {
        index: 0,
        line: 1,
        field: 'duration',
        message: expect.stringMatching(/^non-numeric value/) as unknown,
      },
    ]);
    const recordOf = submittedRecords(bytes(withHeader), 'csv', decoded.rowIndices, TINY_SCHEMA);
    expect(recordOf(1)).toEqual({ duration: '2', proto: 'udp', signal: '25', noise: '0.1' });
  });

  it('lists rejected lines with line, field and reason, and refuses a wrong header and too many lines', async () => {
    const decoded = await decodeDetectBody(bytes('1,tcp,3,0.5\n2,udp,x,0.1\n3,tcp\n'), request);
    expect(decoded.recordCount).toBe(3);
    expect(decoded.table.nRows).toBe(1);
    expect(decoded.errors.map((e) => [e.line, e.field, e.message.split(' (')[0]])).toEqual([
      [2, 'signal', 'non-numeric value'],
      [3, undefined, 'wrong column count'],
    ]);
    const header = await decodeDetectBody(bytes('duration,proto,sig,noise\n1,tcp,3,0.5\n'), {
      ...request,
      contentType: 'text/csv; header=present',
    }).catch((e: unknown) => e);
    expect(header).toBeInstanceOf(HttpError);
    expect((header as HttpError).status).toBe(400);
    expect((header as HttpError).message).toMatch(
      /malformed CSV: .*header column 3 is "sig", schema "tiny" expects "signal"/,
    );
    const many = Array.from({ length: 11 }, () => '1,tcp,3,0.5').join('\n');
    const tooMany = await decodeDetectBody(bytes(many), request).catch((e: unknown) => e);
    expect((tooMany as HttpError).status).toBe(413);
  });

  it('is chosen by ?format=csv whatever the content type, and an unknown format is a 400', async () => {
    const decoded = await decodeDetectBody(bytes('1,tcp,3,0.5'), {
      ...request,
      contentType: 'application/json',
      format: 'csv',
    });
    expect(decoded.format).toBe('csv');
    const unknown = await decodeDetectBody(bytes('1'), { ...request, format: 'xml' }).catch(
      (e: unknown) => e,
    );
    expect((unknown as HttpError).status).toBe(400);
    expect((unknown as HttpError).message).toMatch(
      /unknown format "xml"; use one of json, ndjson, csv, zeek-json, eve/,
    );
  });
});
