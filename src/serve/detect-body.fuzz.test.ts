import { describe, expect, it } from 'vitest';
import { Random } from '../util/random.js';
import { mutateMany } from '../util/test-helpers/mutate.js';
import { TINY_SCHEMA, tinyLine, tinyRows } from '../detection/test-helpers/tiny-model.js';
import { trafficRecords } from '../detection/test-helpers/traffic-model.js';
import { buildFeatureTable } from '../traffic/features/feature-table.js';
import type { FeatureSetName } from '../traffic/features/feature-set.js';
import { eveFlowLine, zeekJsonLine } from '../traffic/test-helpers/log-lines.js';
import { decodeDetectBody, type DetectBodyRequest } from './detect-body.js';
import { HttpError } from './http-error.js';
import { postRecords, startTinyServer, tinyRecords } from './test-helpers/tiny-server.js';

const CASES = 3000;
const HTTP_CASES = 200;
const LINE_CASES = 1500;

const LINE_FORMATS = ['csv', 'zeek-json', 'eve'] as const;

/** A clean body of a few lines of `format`, and the request a model of that input gets. */
function cleanLines(c: number, random: Random): { body: Buffer; request: DetectBodyRequest } {
  const format = LINE_FORMATS[c % LINE_FORMATS.length];
  const n = 1 + random.int(6);
  const base = { maxRecords: 1000, sourceField: undefined, client: '127.0.0.1' };
  if (format === 'csv') {
    const layout = (['all-columns', 'without-label', 'features-only'] as const)[random.int(3)];
    const lines = tinyRows(c, n).map((row) => tinyLine(row, layout));
    if (random.int(3) === 0) lines.unshift('duration,proto,signal,noise');
    return {
      body: Buffer.from(lines.join(random.int(2) === 0 ? '\n' : '\r\n')),
      request: { ...base, contentType: 'text/csv', schema: TINY_SCHEMA },
    };
  }
  const set: FeatureSetName = random.int(2) === 0 ? 'conn' : 'kdd-traffic';
  const records = trafficRecords(n, 1_700_000_000 + c);
  const lines = records.map(format === 'eve' ? eveFlowLine : zeekJsonLine);
  if (format === 'eve' && random.int(2) === 0)
    lines.splice(1, 0, '{"event_type":"alert","src_ip":"1.2.3.4"}');
  const schema = { name: set, columns: buildFeatureTable([], set).columns, header: false, delimiter: ',' };
  return {
    body: Buffer.from(lines.join('\n')),
    request: {
      ...base,
      contentType: `application/x-${format === 'eve' ? 'eve' : 'zeek'}-json`,
      schema,
      featureSet: set,
    },
  };
}

/** A clean JSON-array or NDJSON body of a few tiny records, some with odd ignored columns. */
function cleanBody(c: number, random: Random): { body: Buffer; contentType: string } {
  const records: Record<string, unknown>[] = tinyRecords(c, 1 + random.int(6));
  if (random.int(3) === 0) records[0].difficulty = [[{ deep: 'x'.repeat(random.int(100)) }]];
  if (random.int(3) === 0) records[0].label = 'dos';
  const ndjson = c % 2 === 1;
  const text = ndjson ? records.map((r) => JSON.stringify(r)).join('\n') : JSON.stringify(records);
  return { body: Buffer.from(text), contentType: ndjson ? 'application/x-ndjson' : 'application/json' };
}

describe('fuzz: /v1/detect bodies', () => {
  it(`${CASES} mutated bodies: refused with a 4xx or decoded with every invalid record counted`, async () => {
    const random = new Random(16);
    const outcome = { bodies: 0, refused: 0, records: 0, valid: 0, invalid: 0 };
    for (let c = 0; c < CASES; c++) {
      const { body, contentType } = cleanBody(c, random);
      const mutated = mutateMany(body, random, 1 + random.int(3));
      outcome.bodies++;
      try {
        const decoded = await decodeDetectBody(mutated, {
          contentType,
          schema: TINY_SCHEMA,
          maxRecords: 1000,
          sourceField: undefined,
          client: '127.0.0.1',
        });
        const invalid = new Set(decoded.errors.map((e) => e.index)).size;
        expect(decoded.table.nRows + invalid, `case ${c}`).toBe(decoded.recordCount);
        outcome.records += decoded.recordCount;
        outcome.valid += decoded.table.nRows;
        outcome.invalid += invalid;
      } catch (error) {
        if (!(error instanceof HttpError) || error.status >= 500) {
          throw new Error(`case ${c}: ${String(error)}`, { cause: error });
        }
        outcome.refused++;
      }
    }
    console.log(`HTTP body fuzz: ${JSON.stringify(outcome)}`);
    expect(outcome.refused).toBeGreaterThan(0);
    expect(outcome.invalid).toBeGreaterThan(0);
  });

  it(`${LINE_CASES} mutated CSV, Zeek JSON and eve.json bodies: refused with a 4xx or every line accounted for`, async () => {
    const random = new Random(18);
    const outcome = { bodies: 0, refused: 0, records: 0, valid: 0, rejected: 0, skipped: 0 };
    for (let c = 0; c < LINE_CASES; c++) {
      const { body, request } = cleanLines(c, random);
      const mutated = mutateMany(body, random, 1 + random.int(3));
      outcome.bodies++;
      try {
        const decoded = await decodeDetectBody(mutated, request);
        const lineCount = mutated.toString('utf8').split('\n').length;
        if (decoded.format === 'csv') {
          const rejected = new Set(decoded.errors.map((e) => e.index)).size;
          expect(decoded.table.nRows + rejected, `case ${c}`).toBe(decoded.recordCount);
          outcome.rejected += rejected;
        } else {
          // Every connection read is scored; every other line is counted as skipped (or was blank/header).
          expect(decoded.table.nRows, `case ${c}`).toBe(decoded.recordCount);
          expect(decoded.errors).toEqual([]);
          expect(decoded.recordCount + (decoded.skipped?.total ?? 0), `case ${c}`).toBeLessThanOrEqual(
            lineCount,
          );
          outcome.skipped += decoded.skipped?.total ?? 0;
        }
        expect(decoded.rowIndices.length).toBe(decoded.table.nRows);
        expect(
          decoded.rowIndices.every((i) => i >= 0 && i < lineCount),
          `case ${c}`,
        ).toBe(true);
        outcome.records += decoded.recordCount;
        outcome.valid += decoded.table.nRows;
      } catch (error) {
        if (!(error instanceof HttpError) || error.status >= 500) {
          throw new Error(`case ${c}: ${String(error)}`, { cause: error });
        }
        outcome.refused++;
      }
    }
    console.log(`line body fuzz: ${JSON.stringify(outcome)}`);
    expect(outcome.refused).toBeGreaterThan(0);
    expect(outcome.valid).toBeGreaterThan(0);
    expect(outcome.rejected).toBeGreaterThan(0);
    expect(outcome.skipped).toBeGreaterThan(0);
  });

  it(`${HTTP_CASES} mutated bodies over HTTP: never a 5xx, the service stays healthy`, async () => {
    const tiny = await startTinyServer({ rateLimit: false });
    try {
      const random = new Random(17);
      const statuses = new Map<number, number>();
      for (let c = 0; c < HTTP_CASES; c++) {
        const { body, contentType } = cleanBody(c, random);
        const { status } = await postRecords(
          tiny.url,
          mutateMany(body, random, 1 + random.int(3)).toString('latin1'),
          {
            'content-type': contentType,
          },
        ).catch(() => ({ status: -1 }));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      console.log(`HTTP fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect([...statuses.keys()].every((s) => s >= 200 && s < 500)).toBe(true);
      expect((await fetch(`${tiny.url}/healthz`)).status).toBe(200);
    } finally {
      await tiny.cleanup();
    }
  });
});
