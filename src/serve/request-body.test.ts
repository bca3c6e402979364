import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.js';
import { parseRecords, readBody } from './request-body.js';

function fakeRequest(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
  const stream = new PassThrough() as PassThrough & IncomingMessage;
  stream.headers = headers;
  return stream;
}

describe('readBody', () => {
  it('reads a body in chunks', async () => {
    const req = fakeRequest();
    const body = readBody(req, 100);
    req.write('[{"a"');
    req.end(':1}]');
    expect((await body).toString()).toBe('[{"a":1}]');
  });

  it('refuses a declared length over the limit without reading', async () => {
    const req = fakeRequest({ 'content-length': '101' });
    await expect(readBody(req, 100)).rejects.toMatchObject({ status: 413 });
  });

  it('refuses a chunked body as soon as it passes the limit', async () => {
    const req = fakeRequest();
    const body = readBody(req, 10);
    req.write('0123456789');
    req.write('x');
    const error = (await body.catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(413);
    expect(error.headers.connection).toBe('close');
  });
});

describe('parseRecords', () => {
  it('parses a JSON array (with a BOM) and NDJSON skipping blank lines', () => {
    expect(parseRecords('\ufeff[{"a":1},{"a":2}]', 'json', 10)).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseRecords('{"a":1}\r\n\n{"a":2}\n', 'ndjson', 10)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names the NDJSON line of malformed JSON and refuses non-arrays', () => {
    expect(() => parseRecords('{"a":1}\n\n{"a":}\n', 'ndjson', 10)).toThrow(/line 3/);
    expect(() => parseRecords('[{"a":1}', 'json', 10)).toThrow(/malformed JSON/);
    expect(() => parseRecords('{"a":1}', 'json', 10)).toThrow(/JSON array/);
  });

  it('refuses more records than allowed with 413', () => {
    for (const [text, format] of [
      ['[1,2,3]', 'json'],
      ['1\n2\n3', 'ndjson'],
    ] as const) {
      try {
        parseRecords(text, format, 2);
        expect.unreachable();
      } catch (error) {
        expect((error as HttpError).status).toBe(413);
      }
    }
  });
});
