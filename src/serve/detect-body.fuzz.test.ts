import { describe, expect, it } from 'vitest';
import { Random } from '../util/random.js';
import { mutateMany } from '../util/test-helpers/mutate.js';
import { TINY_SCHEMA } from '../detection/test-helpers/tiny-model.js';
import { decodeDetectBody } from './detect-body.js';
import { HttpError } from './http-error.js';
import { postRecords, startTinyServer, tinyRecords } from './test-helpers/tiny-server.js';

const CASES = 3000;
const HTTP_CASES = 200;

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
  it(`${CASES} mutated bodies: refused with a 4xx or decoded with every invalid record counted`, () => {
    const random = new Random(16);
    const outcome = { bodies: 0, refused: 0, records: 0, valid: 0, invalid: 0 };
    for (let c = 0; c < CASES; c++) {
      const { body, contentType } = cleanBody(c, random);
      const mutated = mutateMany(body, random, 1 + random.int(3));
      outcome.bodies++;
      try {
        const decoded = decodeDetectBody(mutated, {
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
