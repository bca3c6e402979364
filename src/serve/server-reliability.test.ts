import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../alerts/alert-store.js';
import { startChildServer, type ChildServer } from './test-helpers/child-server.js';
import { makeTinyModel } from '../detection/test-helpers/tiny-model.js';
import { postRecords, tinyRecords } from './test-helpers/tiny-server.js';

describe('kill -9 under load', () => {
  it('keeps every alert whose request was acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-kill-'));
    try {
      const { modelDir } = await makeTinyModel(dir);
      const store = join(dir, 'alerts.db');
      const options = { modelDir, store, port: 0, rateLimit: false as const, sourceField: 'sensor' };
      const first = await startChildServer(options);

      // Acknowledged alerting records per alert id.
      const acknowledged = new Map<number, number>();
      let acks = 0;
      let failures = 0;
      const deadline = Date.now() + 15_000;
      const client = async (n: number): Promise<void> => {
        for (let i = 0; i < 400 && Date.now() < deadline; i++) {
          // A fresh sensor per request opens new alert rows, so every request has ids of its own to check.
          const records = tinyRecords(n * 1000 + i, 40).map((r) => ({ ...r, sensor: `s${n}-${i}` }));
          try {
            const { status, body } = await postRecords(first.url, records);
            if (status !== 200) continue;
            acks++;
            for (const p of body.predictions) {
              if (p.alertId !== undefined)
                acknowledged.set(p.alertId, (acknowledged.get(p.alertId) ?? 0) + 1);
            }
          } catch {
            failures++;
            return;
          }
        }
      };
      const clients = [0, 1, 2, 3].map((n) => client(n));
      // Kill once the service has acknowledged a good number of requests, mid-load.
      while (acks < 60 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      await Promise.all(clients);
      expect(acks).toBeGreaterThanOrEqual(60);
      expect(failures).toBeGreaterThan(0);

      const reopened = AlertStore.open(store);
      let maxId = 0;
      try {
        for (const [id, count] of acknowledged) {
          const alert = reopened.get(id);
          expect(alert, `alert ${id}`).toBeDefined();
          expect(alert!.count).toBeGreaterThanOrEqual(count);
          maxId = Math.max(maxId, id);
        }
      } finally {
        reopened.close();
      }
      expect(acknowledged.size).toBeGreaterThan(100);

      // The service starts again on the same store and carries on with fresh ids.
      const second = await startChildServer(options);
      try {
        const { status, body } = await postRecords(second.url, tinyRecords(9, 5, 'dos'));
        expect(status).toBe(200);
        expect(body.predictions[0].alertId).toBeGreaterThan(maxId);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe('0');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile clients', () => {
  const token = 'reliability-token-0123456789';
  const auth = { authorization: `Bearer ${token}` };
  let dir: string;
  let modelDir: string;
  let server: ChildServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-hostile-'));
    modelDir = (await makeTinyModel(dir)).modelDir;
    server = await startChildServer({
      modelDir,
      store: join(dir, 'alerts.db'),
      port: 0,
      token,
      rateLimit: false,
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
    });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  });

  /** The service is up and still scoring. */
  async function stillScoring(): Promise<void> {
    expect(server.child.exitCode).toBeNull();
    const { status, body } = await postRecords(server.url, tinyRecords(77, 3, 'probe'), auth);
    expect(status).toBe(200);
    expect(body.predictions.map((p) => p.label)).toEqual(['probe', 'probe', 'probe']);
  }

  it('answers malformed JSON and wrong types with 400', async () => {
    for (const body of ['[{"signal": 1', 'not json at all', '[1, 2, 3]', '[{"signal": "x"}]', 'null', '']) {
      const { status } = await postRecords(server.url, body, auth).catch(() => ({ status: 0 }));
      expect([400, 200]).toContain(status);
      if (body !== '') expect(status).toBe(400);
    }
    await stillScoring();
  });

  it('cuts a 100 MB body short with 413 or a closed connection, declared or chunked', async () => {
    for (const declared of [true, false]) {
      const outcome = await sendHugeBody(server.url, 100 * 1024 * 1024, declared, auth);
      expect(outcome.status === 413 || outcome.closed).toBe(true);
      // The server stopped it well before 100 MB went through.
      expect(outcome.bytesSent).toBeLessThan(100 * 1024 * 1024);
    }
    await stillScoring();
  });

  it('drops slow-loris clients (headers or body trickling in) while serving others', async () => {
    const port = Number(new URL(server.url).port);
    // Resolves with the drips the client had sent when the server closed the connection.
    const DRIP_BUDGET = 50;
    const trickle = (head: string, drip: string): Promise<number> =>
      new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(head));
        let drips = 0;
        const timer = setInterval(() => {
          // Bounded: at most DRIP_BUDGET drips, one every 200 ms; then the client just waits.
          if (drips >= DRIP_BUDGET || socket.destroyed) return clearInterval(timer);
          drips++;
          socket.write(drip);
        }, 200);
        socket.on('data', () => {});
        socket.on('error', () => {});
        socket.on('close', () => {
          clearInterval(timer);
          resolve(drips);
        });
      });
    const slowHeaders = trickle('POST /v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1\r\n');
    const slowBody = trickle(
      `POST /v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n[',
      ' ',
    );
    await stillScoring();
    const [headerDrips, bodyDrips] = await Promise.all([slowHeaders, slowBody]);
    // The server hung up on both while they were still trickling (its timeouts, not the client, ended them).
    expect(headerDrips).toBeLessThan(DRIP_BUDGET);
    expect(bodyDrips).toBeLessThan(DRIP_BUDGET);
    await stillScoring();
  });

  it('answers a missing or invalid token with 401', async () => {
    expect((await postRecords(server.url, tinyRecords(1, 1))).status).toBe(401);
    expect((await postRecords(server.url, tinyRecords(1, 1), { authorization: 'Bearer nope' })).status).toBe(
      401,
    );
    expect(
      (await postRecords(server.url, tinyRecords(1, 1), { authorization: `Bearer ${token}x` })).status,
    ).toBe(401);
    await stillScoring();
  });

  it('reloads on request and keeps the old model when the new one is bad', async () => {
    const bin = join(modelDir, 'forest.bin');
    const original = await readFile(bin);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 1] ^= 0xff;
    await writeFile(bin, damaged);
    const refused = await fetch(`${server.url}/v1/model/reload`, { method: 'POST', headers: auth });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: string }).error).toMatch(/checksum mismatch/);
    await stillScoring();
    await writeFile(bin, original);
    const ok = await fetch(`${server.url}/v1/model/reload`, { method: 'POST', headers: auth });
    expect(ok.status).toBe(200);
    // SIGHUP takes the same path.
    server.child.kill('SIGHUP');
    const deadline = Date.now() + 5000;
    while (!server.stderr().includes('model reloaded') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(server.stderr()).toContain('model reload refused');
    expect(server.stderr()).toContain('model reloaded');
    await stillScoring();
  });
});

/** Streams `total` bytes of JSON-ish filler to /v1/detect, stopping at the first sign the server refused. */
function sendHugeBody(
  url: string,
  total: number,
  declared: boolean,
  headers: Record<string, string>,
): Promise<{ status: number | null; closed: boolean; bytesSent: number }> {
  return new Promise((resolve) => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let bytesSent = 0;
    let status: number | null = null;
    let finished = false;
    const done = (closed: boolean): void => {
      if (finished) return;
      finished = true;
      req.destroy();
      resolve({ status, closed, bytesSent });
    };
    const req = request(`${url}/v1/detect`, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        ...(declared ? { 'content-length': String(total) } : {}),
      },
    });
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      res.resume();
      res.on('end', () => done(false));
    });
    req.on('error', () => done(true));
    req.on('close', () => done(true));
    const pump = (): void => {
      while (!finished && bytesSent < total) {
        bytesSent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!finished) req.end();
    };
    pump();
  });
}
