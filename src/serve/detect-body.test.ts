import { describe, expect, it } from 'vitest';
import type { NumericColumn } from '../data/table.js';
import { decodeDetectBody, submittedRecords, type DetectBodyRequest } from './detect-body.js';
import { HttpError } from './http-error.js';
import { TINY_SCHEMA } from '../detection/test-helpers/tiny-model.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const request: DetectBodyRequest = {
  contentType: undefined,
  schema: TINY_SCHEMA,
  maxRecords: 10,
  sourceField: 'sensor',
  client: '10.0.0.7',
};

const records = [
  { duration: 1, proto: 'tcp', signal: 3, noise: 0.5, sensor: 'gw-1' },
  { duration: 2, proto: 'udp', signal: 'x', noise: 0.5 },
  { duration: 3, proto: 'icmp', signal: 25, noise: 0.5 },
];

describe('decodeDetectBody', () => {
  it('parses a JSON array, validates it and keys sources by the source field or the client', async () => {
    const decoded = await decodeDetectBody(bytes(JSON.stringify(records)), request);
    expect(decoded.format).toBe('json');
    expect(decoded.recordCount).toBe(3);
    expect(decoded.table.nRows).toBe(2);
    expect(Array.from((decoded.table.features[2] as NumericColumn).values)).toEqual([3, 25]);
    expect(decoded.errors).toEqual([
      { index: 1, field: 'signal', message: 'expected a number, got string "x"' },
    ]);
    expect(Array.from(decoded.rowIndices)).toEqual([0, 2]);
    expect(decoded.source).toEqual(['gw-1', '10.0.0.7']);
    expect(decoded.parseMs).toBeGreaterThanOrEqual(0);
    expect(decoded.validateMs).toBeGreaterThanOrEqual(0);
  });

  it('reads NDJSON by content type and one source for all records without a source field', async () => {
    const text = records.map((r) => JSON.stringify(r)).join('\n');
    const decoded = await decodeDetectBody(bytes(text), {
      ...request,
      schema: TINY_SCHEMA,
      sourceField: undefined,
      contentType: 'application/x-ndjson; charset=utf-8',
    });
    expect(decoded.format).toBe('ndjson');
    expect(decoded.source).toBe('10.0.0.7');
    expect(decoded.errors.map((e) => e.field)).toEqual(['sensor', 'signal']);
  });

  it('throws HttpError for malformed bodies and too many records', async () => {
    await expect(decodeDetectBody(bytes('[{"a":'), request)).rejects.toThrow(HttpError);
    const many = JSON.stringify(Array.from({ length: 11 }, () => records[0]));
    await expect(decodeDetectBody(bytes(many), request)).rejects.toThrow(/more than 10 records/);
  });
});

describe('submittedRecords', () => {
  it('gives each table row its record exactly as submitted, from JSON and NDJSON bodies', async () => {
    const json = bytes(JSON.stringify(records));
    const decoded = await decodeDetectBody(json, request);
    const recordOf = submittedRecords(json, decoded.format, decoded.rowIndices, TINY_SCHEMA);
    expect(recordOf(0)).toEqual(records[0]);
    expect(recordOf(1)).toEqual(records[2]);
    const ndjson = bytes(`\n${records.map((r) => JSON.stringify(r)).join('\n\n')}\n`);
    const fromLines = submittedRecords(ndjson, 'ndjson', Int32Array.from([2]), TINY_SCHEMA);
    expect(fromLines(0)).toEqual(records[2]);
  });
});
