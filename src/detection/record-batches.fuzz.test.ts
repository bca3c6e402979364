import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { mutateMany } from '../util/test-helpers/mutate.js';
import { streamRecordBatches } from './record-batches.js';
import { TINY_SCHEMA, tinyLine, tinyRows, type TinyLayout } from './test-helpers/tiny-model.js';

const CASES = 6000;

/** Non-blank lines of the input as the loader sees them (decoded, BOM removed, CR trimmed). */
function dataLines(bytes: Buffer): number {
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let n = 0;
  for (let line of text.split('\n')) {
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim().length === 0)) continue;
    n++;
  }
  return n;
}

async function* oneChunkAt(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) {
    await Promise.resolve();
    yield bytes.subarray(at, at + size);
  }
}

describe('fuzz: flow files through the detection reader', () => {
  it(`${CASES} mutated CSV inputs: no crash, no hang, every data line kept or rejected with a reason`, async () => {
    const random = new Random(2026);
    const layouts: TinyLayout[] = ['all-columns', 'without-label', 'features-only'];
    const outcome = { inputs: 0, kept: 0, rejected: 0, refused: 0, gzip: 0 };
    const reasons = new Map<string, number>();
    for (let c = 0; c < CASES; c++) {
      const layout = layouts[c % 3];
      const rows = tinyRows(c, 2 + random.int(8));
      const clean = Buffer.from(`${rows.map((r) => tinyLine(r, layout)).join('\n')}\n`);
      let bytes = mutateMany(clean, random, 1 + random.int(4));
      const gzip = c % 10 === 9;
      if (gzip) bytes = mutateMany(gzipSync(bytes), random, random.int(2));
      outcome.inputs++;
      let kept = 0;
      let rejected = 0;
      try {
        for await (const batch of streamRecordBatches(oneChunkAt(bytes, 1 + random.int(64)), TINY_SCHEMA, {
          batchRows: 1 + random.int(8),
        })) {
          kept += batch.table.nRows;
          rejected += batch.rejected.length;
          for (const r of batch.rejected) {
            expect(r.reason.length).toBeGreaterThan(0);
            reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
          }
        }
      } catch (error) {
        // Refusing the whole input is allowed (a broken gzip stream), crashing is not.
        if (!(error instanceof IotIdsError)) throw new Error(`case ${c}: ${String(error)}`, { cause: error });
        outcome.refused++;
        continue;
      }
      if (gzip) outcome.gzip++;
      else expect(kept + rejected, `case ${c}`).toBe(dataLines(bytes));
      outcome.kept += kept;
      outcome.rejected += rejected;
    }
    console.log(
      `CSV fuzz: ${JSON.stringify(outcome)}; rejections by reason ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
    expect(outcome.inputs).toBe(CASES);
    expect(outcome.kept).toBeGreaterThan(0);
    expect(outcome.rejected).toBeGreaterThan(0);
  });
});
