import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWs } from './test-helpers/ws-connect.js';
import { startTinyServer, tinyRecords, type TinyServer } from './test-helpers/tiny-server.js';

/** A request with headers fetch would not let a test set (Host). */
function raw(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the token-less loopback service refuses what only a browser page would send', () => {
  let tiny: TinyServer;
  let port: string;
  const logs: string[] = [];
  beforeAll(async () => {
    tiny = await startTinyServer({ rateLimit: false, log: (message) => logs.push(message) });
    port = new URL(tiny.url).port;
  });
  afterAll(async () => {
    await tiny.cleanup();
  });

  it('answers 421 to a Host that is not the bound address or a loopback name (DNS rebinding)', async () => {
    expect((await raw(tiny.url, '/v1/alerts', { headers: { host: `evil.example:${port}` } })).status).toBe(
      421,
    );
    expect((await raw(tiny.url, '/v1/alerts', { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
    expect((await raw(tiny.url, '/v1/alerts', { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('refuses a WebSocket opened from a foreign Origin, and takes one from its own page', async () => {
    await expect(
      connectWs(`${tiny.url}/v1/alerts/ws`, ['iot-ids'], { origin: 'http://evil.example' }),
    ).rejects.toThrow(/403/);
    const own = await connectWs(`${tiny.url}/v1/alerts/ws`, ['iot-ids'], { origin: tiny.url });
    own.ws.close();
  });

  it('refuses writes from a foreign Origin and writes without a JSON, NDJSON or CSV content type', async () => {
    const body = JSON.stringify(tinyRecords(1, 1, 'dos'));
    const foreign = await raw(tiny.url, '/v1/detect', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    const plain = await raw(tiny.url, '/v1/detect', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(415);
    const reload = await raw(tiny.url, '/v1/model/reload', { method: 'POST' });
    expect(reload.status).toBe(415);
    const reloadForeign = await raw(tiny.url, '/v1/model/reload', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    });
    expect(reloadForeign.status).toBe(403);
    const ok = await raw(tiny.url, '/v1/detect', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', origin: tiny.url },
      body,
    });
    expect(ok.status).toBe(200);
  });

  it('sends the security headers (hono/secure-headers) on answers and on errors', async () => {
    for (const path of ['/healthz', '/no-such-route']) {
      const res = await fetch(`${tiny.url}${path}`);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    }
  });

  it('shows the run name of the model, not its absolute path', async () => {
    const text = await (await fetch(`${tiny.url}/v1/model`)).text();
    expect(text).not.toContain(tiny.dir);
    const { model } = JSON.parse(text) as { model: { run: string } };
    expect(model.run).toBe(tiny.dir.split('/').pop());
  });

  it('counts a client that disconnects mid-body as aborted, not as a 500, and logs no stack trace', async () => {
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /v1/detect HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[{"duration":`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    let metrics = '';
    for (let i = 0; i < 50 && !/iot_ids_requests_aborted_total \d/.test(metrics); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = await (await fetch(`${tiny.url}/metrics`)).text();
    }
    expect(metrics).toMatch(/iot_ids_requests_aborted_total\{route="\/v1\/detect"\} 1/);
    expect(metrics).not.toMatch(/status="500"/);
    expect(logs.join('\n')).not.toMatch(/\n\s+at |error on POST/);
  });
});
