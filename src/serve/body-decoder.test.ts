import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createBodyDecoder, type BodyDecoder } from './body-decoder.js';
import { decodeDetectBody, type DetectBodyRequest } from './detect-body.js';
import { HttpError } from './http-error.js';
import { OverloadedError } from './micro-batcher.js';
import { TINY_SCHEMA, tinyRows } from '../detection/test-helpers/tiny-model.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const request: DetectBodyRequest = {
  contentType: 'application/json',
  schema: TINY_SCHEMA,
  maxRecords: 1000,
  sourceField: undefined,
  client: '127.0.0.1',
};

function body(n: number): Uint8Array {
  const records = tinyRows(3, n).map(({ duration, proto, signal, noise }, i) =>
    i === 1 ? { duration, proto, signal: 'bad', noise } : { duration, proto, signal, noise },
  );
  return bytes(JSON.stringify(records));
}

const opened: BodyDecoder[] = [];
function open(options: Parameters<typeof createBodyDecoder>[0]): BodyDecoder {
  const decoder = createBodyDecoder(options);
  opened.push(decoder);
  return decoder;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

describe('createBodyDecoder', () => {
  it('decodes in a worker thread exactly what decoding on the event loop gives', async () => {
    const input = body(200);
    const direct = await decodeDetectBody(input, request);
    const inThread = await open({ threads: 1 }).decode(input.slice(), request);
    const inline = await open({ threads: 0 }).decode(input.slice(), request);
    for (const decoded of [inThread, inline]) {
      expect(decoded.table).toEqual(direct.table);
      expect(decoded.errors).toEqual(direct.errors);
      expect(decoded.rowIndices).toEqual(direct.rowIndices);
      expect(decoded.source).toBe('127.0.0.1');
    }
    expect(inThread.table.nRows).toBe(199);
  });

  it('hands the body back unchanged, moves only bodies that own their buffer, and rebuilds HttpError', async () => {
    const decoder = open({ threads: 2 });
    const input = body(5);
    const copy = input.slice();
    const decoded = await decoder.decode(input, request);
    expect(decoded.body).toEqual(copy);
    expect(input.byteLength).toBe(0); // moved to the thread and back, not copied
    const shared = new Uint8Array(copy.byteLength + 8);
    shared.set(copy, 4);
    const view = shared.subarray(4, 4 + copy.byteLength);
    await expect(decoder.decode(view, request)).resolves.toMatchObject({ recordCount: 5 });
    expect(view).toEqual(copy); // a view into a larger buffer is copied, never detached
    const error = (await decoder
      .decode(bytes('{"a":1}\n{"a":}'), { ...request, contentType: 'application/x-ndjson' })
      .catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ line: 2 });
    const tooMany = (await decoder
      .decode(copy, { ...request, maxRecords: 2 })
      .catch((e: unknown) => e)) as HttpError;
    expect(tooMany.status).toBe(413);
  });

  it('refuses bodies beyond maxPending with OverloadedError and serves again once they are done', async () => {
    const decoder = open({ threads: 1, maxPending: 2 });
    const first = [decoder.decode(body(50), request), decoder.decode(body(50), request)];
    await expect(decoder.decode(body(50), request)).rejects.toBeInstanceOf(OverloadedError);
    await Promise.all(first);
    await expect(decoder.decode(body(50), request)).resolves.toMatchObject({ recordCount: 50 });
    const detached = body(5);
    structuredClone(detached, { transfer: [detached.buffer as ArrayBuffer] });
    await expect(decoder.decode(detached, request)).rejects.toThrow();
    await expect(decoder.decode(body(5), request)).resolves.toMatchObject({ recordCount: 5 });
  });

  it('fails the bodies of a thread that dies, starts a new one, and fails or refuses work once closed', async () => {
    const logs: string[] = [];
    const decoder = open({ threads: 1, log: (m) => logs.push(m) });
    await decoder.decode(body(5), request);
    const pool = (decoder as unknown as { pool: { worker: Worker }[] }).pool;
    // Big enough that the thread is still decoding when it is terminated (2,000 records could be done first);
    // a body is moved to the thread, so each decode gets its own.
    const big = body(200_000);
    const pending = decoder.decode(big, { ...request, maxRecords: 300_000 });
    await pool[0].worker.terminate();
    await expect(pending).rejects.toThrow(/decoder thread exited/);
    expect(logs.join('\n')).toMatch(/starting a new one/);
    await expect(decoder.decode(body(5), request)).resolves.toMatchObject({ recordCount: 5 });
    const inFlight = expect(
      decoder.decode(body(200_000), { ...request, maxRecords: 300_000 }),
    ).rejects.toThrow(/closed/);
    await decoder.close();
    await inFlight;
    await expect(decoder.decode(body(5), request)).rejects.toThrow(/closed/);
  });

  it('refuses a negative or fractional thread count', () => {
    expect(() => createBodyDecoder({ threads: -1 })).toThrow(/whole number/);
    expect(() => createBodyDecoder({ threads: 1.5 })).toThrow(/whole number/);
  });
});
