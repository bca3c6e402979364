import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../alerts/alert-store.js';
import { AlertStore } from '../alerts/alert-store.js';
import { startServer } from './server.js';
import { postRecords, startTinyServer, tinyRecords, type TinyServer } from './test-helpers/tiny-server.js';
import { connectWs } from './test-helpers/ws-connect.js';

describe('detection service over HTTP', () => {
  let tiny: TinyServer;

  beforeAll(async () => {
    tiny = await startTinyServer({ rateLimit: false });
  });
  afterAll(async () => {
    await tiny.cleanup();
  });

  it('scores a JSON array in order and returns an alert id for every alerting record', async () => {
    const records = [
      ...tinyRecords(1, 3, 'normal'),
      ...tinyRecords(2, 2, 'dos'),
      ...tinyRecords(3, 2, 'probe'),
    ];
    const { status, body } = await postRecords(tiny.url, records);
    expect(status).toBe(200);
    expect(body.records).toBe(7);
    expect(body.predictions.map((p) => p.label)).toEqual([
      'normal',
      'normal',
      'normal',
      'dos',
      'dos',
      'probe',
      'probe',
    ]);
    expect(body.predictions.slice(0, 3).every((p) => !p.alert && p.alertId === undefined)).toBe(true);
    const attackIds = body.predictions.slice(3).map((p) => p.alertId);
    expect(attackIds.every((id) => typeof id === 'number' && id > 0)).toBe(true);
    // Records of one class from one client in one window fold into one alert.
    expect(attackIds[0]).toBe(attackIds[1]);
    expect(attackIds[2]).toBe(attackIds[3]);
    expect(attackIds[0]).not.toBe(attackIds[2]);
    expect(body.alerts).toBe(4);

    const alert = (await (await fetch(`${tiny.url}/v1/alerts/${attackIds[0]}`)).json()) as StoredAlert;
    expect(alert.class).toBe('dos');
    expect(alert.count).toBeGreaterThanOrEqual(2);
    expect(alert.sourceKey).toBe('127.0.0.1');
    expect(alert.record).toEqual(records[3]);
    // The class is decided by `signal`, so occlusion must put it first.
    expect(alert.explanation[0].feature).toBe('signal');
    expect(alert.explanation[0].contribution).toBeGreaterThan(0);
  });

  it('takes NDJSON and adds every class probability when asked', async () => {
    const records = tinyRecords(4, 3, 'normal');
    const ndjson = `${records.map((r) => JSON.stringify(r)).join('\n')}\n\n`;
    const res = await fetch(`${tiny.url}/v1/detect?probabilities=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: ndjson,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: { probabilities: Record<string, number> }[] };
    expect(body.predictions).toHaveLength(3);
    for (const p of body.predictions) {
      expect(Object.keys(p.probabilities)).toEqual(['normal', 'dos', 'probe']);
      const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('answers 400 with record index and field names, and scores nothing', async () => {
    const records: unknown[] = tinyRecords(5, 3, 'dos');
    records[1] = { ...(records[1] as object), signal: '12' };
    const { signal: _signal, ...withoutSignal } = records[2] as Record<string, unknown>;
    records[2] = { ...withoutSignal, Signal: 3 };
    const before = await metricValue(tiny.url, 'iot_ids_records_scored_total');
    const { status, body } = await postRecords(tiny.url, records);
    expect(status).toBe(400);
    expect(body.invalidRecords).toBe(2);
    expect(body.errors).toContainEqual(expect.objectContaining({ index: 1, field: 'signal' }));
    expect(body.errors).toContainEqual(expect.objectContaining({ index: 2, field: 'signal' }));
    expect(body.errors!.find((e) => e.field === 'Signal')!.message).toContain('did you mean "signal"');
    expect(await metricValue(tiny.url, 'iot_ids_records_scored_total')).toBe(before);
    expect(
      await metricValue(tiny.url, 'iot_ids_records_rejected_total{reason="validation"}'),
    ).toBeGreaterThanOrEqual(2);
  });

  it('answers 400 to malformed JSON and to a body that is not an array', async () => {
    const broken = await postRecords(tiny.url, '[{"signal": 1,]');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/malformed JSON/);
    const ndjson = await fetch(`${tiny.url}/v1/detect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify(tinyRecords(6, 1)[0])}\n{oops\n`,
    });
    expect(ndjson.status).toBe(400);
    expect(((await ndjson.json()) as { line: number }).line).toBe(2);
    const object = await postRecords(tiny.url, '{"signal": 1}', { 'content-type': 'application/json' });
    expect(object.status).toBe(400);
    expect(object.body.error).toMatch(/JSON array/);
  });

  it('lists alerts newest first, by class and time, a page at a time', async () => {
    const page1 = (await (await fetch(`${tiny.url}/v1/alerts?limit=1`)).json()) as {
      alerts: StoredAlert[];
      nextBefore: number | null;
    };
    expect(page1.alerts).toHaveLength(1);
    expect(page1.nextBefore).toBe(page1.alerts[0].id);
    const page2 = (await (
      await fetch(`${tiny.url}/v1/alerts?limit=1&before=${page1.nextBefore}`)
    ).json()) as {
      alerts: StoredAlert[];
    };
    expect(page2.alerts[0].id).toBeLessThan(page1.alerts[0].id);
    const probes = (await (await fetch(`${tiny.url}/v1/alerts?class=probe`)).json()) as {
      alerts: StoredAlert[];
    };
    expect(probes.alerts.length).toBeGreaterThan(0);
    expect(probes.alerts.every((a) => a.class === 'probe')).toBe(true);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = (await (await fetch(`${tiny.url}/v1/alerts?since=${future}`)).json()) as {
      alerts: StoredAlert[];
    };
    expect(none.alerts).toEqual([]);
    expect((await fetch(`${tiny.url}/v1/alerts?limit=abc`)).status).toBe(400);
    expect((await fetch(`${tiny.url}/v1/alerts/999999`)).status).toBe(404);
  });

  it('summarises alerting records per class over time', async () => {
    const summary = (await (await fetch(`${tiny.url}/v1/alerts/summary?bucket=60`)).json()) as {
      classes: string[];
      buckets: { start: number; counts: Record<string, number> }[];
      totals: Record<string, { alerts: number; records: number }>;
    };
    expect(summary.classes).toEqual(['dos', 'probe']);
    expect(summary.totals.dos.records).toBeGreaterThanOrEqual(2);
    const inBuckets = summary.buckets.reduce((sum, b) => sum + (b.counts.dos ?? 0), 0);
    expect(inBuckets).toBe(summary.totals.dos.records);
  });

  it('pushes new alerts and updates over server-sent events and WebSocket', async () => {
    const controller = new AbortController();
    const sse = await fetch(`${tiny.url}/v1/alerts/stream`, { signal: controller.signal });
    expect(sse.headers.get('content-type')).toContain('text/event-stream');
    const reader = sse.body!.getReader();
    const ws = await connectWs(`${tiny.url}/v1/alerts/ws`, ['iot-ids']);
    expect(ws.ws.protocol).toBe('iot-ids');
    // A source never seen before opens a new alert.
    const records = tinyRecords(7, 2, 'probe').map((r) => ({ ...r }));
    const sourced = await alertIdsOf(tiny.url, records);
    const wsMessage = (await ws.nextJson()) as { type: string; data: StoredAlert };
    expect(['alert', 'update']).toContain(wsMessage.type);
    expect(wsMessage.data.id).toBe(sourced[0]);
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes(`"id":${sourced[0]}`)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toMatch(/event: (alert|update)\n/);
    controller.abort();
    ws.ws.close();
  });

  it('exposes Prometheus metrics, health and readiness', async () => {
    const text = await (await fetch(`${tiny.url}/metrics`)).text();
    for (const name of [
      'iot_ids_records_scored_total',
      'iot_ids_alerts_total{class="dos"}',
      'iot_ids_batch_records_bucket',
      'iot_ids_request_duration_seconds_bucket',
      'iot_ids_batch_stage_duration_seconds_bucket{le="0.001",stage="score"}',
      'iot_ids_model_info{kind="rf",dataset="tiny"',
      'iot_ids_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
    expect(await (await fetch(`${tiny.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = (await (await fetch(`${tiny.url}/readyz`)).json()) as { status: string; model: string };
    expect(ready.status).toBe('ready');
    expect(ready.model).toMatch(/^rf@/);
  });

  it('serves the model description and 404s unknown routes', async () => {
    const model = (await (await fetch(`${tiny.url}/v1/model`)).json()) as {
      model: { classes: string[]; thresholds: Record<string, number> };
      input: { fields: { name: string; type: string }[]; example: Record<string, unknown> };
      testMetrics: unknown;
    };
    expect(model.model.classes).toEqual(['normal', 'dos', 'probe']);
    expect(model.model.thresholds).toEqual({ dos: 0.5, probe: 0.5 });
    expect(model.testMetrics).toBeNull();
    // Every feature column with its type, and an example record the service scores as it is.
    expect(model.input.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'duration:numeric',
      'proto:categorical',
      'signal:numeric',
      'noise:numeric',
    ]);
    const scored = await postRecords(tiny.url, [model.input.example]);
    expect(scored.status).toBe(200);
    expect(scored.body.records).toBe(1);
    expect((await fetch(`${tiny.url}/v2/nothing`)).status).toBe(404);
  });
});

/** Posts records and returns the alert ids of the alerting ones. */
async function alertIdsOf(url: string, records: unknown[]): Promise<number[]> {
  const { status, body } = await postRecords(url, records);
  expect(status).toBe(200);
  return body.predictions.filter((p) => p.alert).map((p) => p.alertId!);
}

async function metricValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('alert aggregation', () => {
  it('keeps sources apart by record field and opens a new alert per window', async () => {
    const tiny = await startTinyServer({ rateLimit: false, sourceField: 'sensor', alertWindowSeconds: 1 });
    try {
      const records = tinyRecords(8, 6, 'dos').map((r, i) => ({ ...r, sensor: i < 4 ? 'a' : 'b' }));
      const first = await postRecords(tiny.url, records);
      expect(first.status).toBe(200);
      const ids = first.body.predictions.map((p) => p.alertId);
      expect(new Set(ids.slice(0, 4)).size).toBe(1);
      expect(new Set(ids.slice(4)).size).toBe(1);
      expect(ids[0]).not.toBe(ids[4]);
      // Wait for the next 1-second window.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const later = await postRecords(tiny.url, records.slice(0, 1));
      expect(later.body.predictions[0].alertId).not.toBe(ids[0]);
      const store = AlertStore.open(tiny.storePath);
      try {
        const a = store.get(ids[0]!)!;
        expect(a.count).toBe(4);
        expect(a.sourceKey).toBe('a');
        expect(store.get(ids[4]!)!.count).toBe(2);
      } finally {
        store.close();
      }
    } finally {
      await tiny.cleanup();
    }
  });

  it('explains at most maxExplanationsPerBatch new alerts per batch', async () => {
    const tiny = await startTinyServer({
      rateLimit: false,
      sourceField: 'sensor',
      maxExplanationsPerBatch: 1,
    });
    try {
      const records = tinyRecords(13, 3, 'dos').map((r, i) => ({ ...r, sensor: `scan-${i}` }));
      const { body } = await postRecords(tiny.url, records);
      const ids = body.predictions.map((p) => p.alertId!);
      expect(new Set(ids).size).toBe(3);
      const alerts = await Promise.all(
        ids.map(async (id) => (await (await fetch(`${tiny.url}/v1/alerts/${id}`)).json()) as StoredAlert),
      );
      expect(alerts.map((a) => a.explanation.length > 0)).toEqual([true, false, false]);
      expect(alerts.every((a) => a.count === 1)).toBe(true);
    } finally {
      await tiny.cleanup();
    }
  });

  it('merges concurrent requests into micro-batches', async () => {
    const tiny = await startTinyServer({ rateLimit: false });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => postRecords(tiny.url, tinyRecords(100 + i, 50))),
      );
      expect(results.every((r) => r.status === 200 && r.body.records === 50)).toBe(true);
      const text = await (await fetch(`${tiny.url}/metrics`)).text();
      const count = Number(/^iot_ids_batch_records_count (\d+)/m.exec(text)![1]);
      const sum = Number(/^iot_ids_batch_records_sum (\d+)/m.exec(text)![1]);
      expect(sum).toBe(600);
      expect(count).toBeLessThanOrEqual(12);
    } finally {
      await tiny.cleanup();
    }
  });
});

describe('security', () => {
  it('refuses to listen beyond loopback without a token, before binding anything', async () => {
    await expect(startServer({ modelDir: '/nonexistent', host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /without a bearer token/,
    );
    await expect(startServer({ modelDir: '/nonexistent', host: '::', port: 0 })).rejects.toThrow(
      /without a bearer token/,
    );
  });

  it('requires the bearer token on the API, not on the dashboard shell or probes', async () => {
    const token = 'test-token-0123456789abcdef';
    const tiny = await startTinyServer({ token, rateLimit: false });
    try {
      expect((await fetch(`${tiny.url}/v1/alerts`)).status).toBe(401);
      const wrong = await fetch(`${tiny.url}/v1/alerts`, {
        headers: { authorization: 'Bearer wrong-token' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
      const right = await fetch(`${tiny.url}/v1/alerts`, { headers: { authorization: `Bearer ${token}` } });
      expect(right.status).toBe(200);
      expect((await postRecords(tiny.url, tinyRecords(9, 1))).status).toBe(401);
      expect((await fetch(`${tiny.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${tiny.url}/`)).status).toBe(200);
      expect((await fetch(`${tiny.url}/healthz`)).status).toBe(200);
      await expect(connectWs(`${tiny.url}/v1/alerts/ws`, ['iot-ids'])).rejects.toThrow(/401/);
      const ws = await connectWs(`${tiny.url}/v1/alerts/ws`, ['iot-ids', `bearer.${token}`]);
      expect(ws.ws.protocol).toBe('iot-ids');
      ws.ws.close();
    } finally {
      await tiny.cleanup();
    }
  });

  it('rate-limits each client with 429 and Retry-After', async () => {
    const tiny = await startTinyServer({ rateLimit: { requestsPerSecond: 1, burst: 3 } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${tiny.url}/healthz`);
        statuses.push(res.status);
        retryAfter ??= res.headers.get('retry-after');
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await tiny.cleanup();
    }
  });

  it('answers 413 to a body over the limit and to too many records', async () => {
    const tiny = await startTinyServer({ rateLimit: false, maxBodyBytes: 10_000, maxRecordsPerRequest: 5 });
    try {
      const big = await postRecords(tiny.url, tinyRecords(10, 200));
      expect(big.status).toBe(413);
      const many = await postRecords(tiny.url, tinyRecords(11, 6));
      expect(many.status).toBe(413);
      expect((await postRecords(tiny.url, tinyRecords(12, 5))).status).toBe(200);
    } finally {
      await tiny.cleanup();
    }
  });
});

describe('shutdown', () => {
  it('ends live streams, refuses new work and closes promptly', async () => {
    const tiny = await startTinyServer({ rateLimit: false });
    const sse = await fetch(`${tiny.url}/v1/alerts/stream`);
    const reader = sse.body!.getReader();
    await reader.read(); // the retry line: the stream is open
    const ws = await connectWs(`${tiny.url}/v1/alerts/ws`, ['iot-ids']);
    const closing = tiny.server.close();
    let done = false;
    for (let i = 0; i < 100 && !done; i++) done = (await reader.read()).done;
    expect(done).toBe(true);
    expect(await ws.closed).toBe(1001);
    // Closing resolves once the streams are ended (the test's timeout bounds it; speed is not asserted).
    await closing;
    await expect(fetch(`${tiny.url}/readyz`)).rejects.toThrow();
    await tiny.cleanup();
  });
});
