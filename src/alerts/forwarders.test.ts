import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredAlert } from './alert-store.js';
import { formatSyslogMessage, parseSyslogTarget, SyslogForwarder } from './syslog-forwarder.js';
import { WebhookForwarder } from './webhook-forwarder.js';
import { until } from '../../test/until.js';

function alert(id: number, extra: Partial<StoredAlert> = {}): StoredAlert {
  return {
    id,
    time: '2026-01-02T03:04:05.000Z',
    lastTime: '2026-01-02T03:04:06.000Z',
    class: 'dos',
    probability: 0.9731,
    maxProbability: 0.99,
    count: 3,
    sourceKey: '10.0.0.7',
    windowStart: '2026-01-02T03:04:00.000Z',
    explanation: [],
    record: { bytes: 10 },
    model: 'rf@2026-01-01',
    ...extra,
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** An HTTP receiver on loopback answering with the given statuses in turn (then 200). */
async function receiver(
  statuses: number[],
): Promise<{ url: string; received: { status: number; body: string }[] }> {
  const received: { status: number; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    void body(request).then((text) => {
      const status = statuses[received.length] ?? 200;
      received.push({ status, body: text });
      response.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

describe('WebhookForwarder', () => {
  it('POSTs each alert as JSON, in order, retrying 503 with backoff', async () => {
    const hook = await receiver([503, 503]);
    const logs: string[] = [];
    const forwarder = new WebhookForwarder({ url: hook.url, initialBackoffMs: 5, log: (m) => logs.push(m) });
    forwarder.forward(alert(1));
    forwarder.forward(alert(2, { class: 'probe' }));
    await until(() => forwarder.stats().delivered === 2);
    expect(hook.received.map((r) => r.status)).toEqual([503, 503, 200, 200]);
    expect(hook.received.map((r) => (JSON.parse(r.body) as StoredAlert).id)).toEqual([1, 1, 1, 2]);
    expect(JSON.parse(hook.received[3].body)).toEqual(alert(2, { class: 'probe' }));
    expect(forwarder.stats()).toEqual({ delivered: 2, failed: 0, dropped: 0, queued: 0 });
    expect(logs).toEqual([]);
    await forwarder.close();
  });

  it('gives up at once on a refusal (400) and after the last attempt on a dead receiver, and says so', async () => {
    const hook = await receiver([400]);
    const logs: string[] = [];
    const refused = new WebhookForwarder({ url: hook.url, initialBackoffMs: 5, log: (m) => logs.push(m) });
    refused.forward(alert(7));
    await until(() => refused.stats().failed === 1);
    expect(hook.received).toHaveLength(1);
    expect(logs).toEqual([`webhook ${hook.url}: alert 7 not delivered (HTTP 400)`]);

    // A port nothing listens on: every attempt fails to connect.
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const dead = new WebhookForwarder({
      url: `http://127.0.0.1:${port}/`,
      maxAttempts: 3,
      initialBackoffMs: 5,
      log: (m) => logs.push(m),
    });
    dead.forward(alert(8));
    await until(() => dead.stats().failed === 1);
    expect(logs[1]).toMatch(/alert 8 not delivered/);
    await Promise.all([refused.close(), dead.close()]);
  });

  it('drops and counts alerts beyond its queue, and refuses a URL that is not http(s)', async () => {
    const hook = await receiver([]);
    const forwarder = new WebhookForwarder({ url: hook.url, maxQueue: 2 });
    for (let i = 1; i <= 5; i++) forwarder.forward(alert(i));
    await until(() => forwarder.stats().delivered + forwarder.stats().dropped === 5);
    // The first alert left the queue at once; two waited; two found it full.
    expect(forwarder.stats()).toMatchObject({ delivered: 3, dropped: 2 });
    await forwarder.close();
    expect(() => new WebhookForwarder({ url: 'ftp://x/' })).toThrow(
      /--webhook needs an http:\/\/ or https:\/\/ URL/,
    );
  });
});

describe('syslog', () => {
  it('formats RFC 5424 with escaped structured data', () => {
    const text = formatSyslogMessage(alert(12, { sourceKey: 'cam "front"]' }), {
      hostname: 'gw-1',
      procId: '99',
    });
    expect(text).toBe(
      '<132>1 2026-01-02T03:04:05.000Z gw-1 iot-ids 99 ALERT [iotids@32473 id="12" class="dos" probability="0.9731" count="3" ' +
        'source="cam \\"front\\"\\]" windowStart="2026-01-02T03:04:00.000Z" model="rf@2026-01-01"] ' +
        'dos alert from cam "front"]: probability 0.973, 3 records',
    );
    expect(parseSyslogTarget('udp://127.0.0.1:5514')).toEqual({
      protocol: 'udp',
      host: '127.0.0.1',
      port: 5514,
    });
    expect(parseSyslogTarget('TCP://[::1]')).toEqual({ protocol: 'tcp', host: '::1', port: 514 });
    expect(() => parseSyslogTarget('http://x:1')).toThrow(
      /--syslog needs udp:\/\/host:port or tcp:\/\/host:port/,
    );
  });

  it('sends one datagram per alert over UDP', async () => {
    const server = createSocket('udp4');
    const messages: string[] = [];
    server.on('message', (m) => messages.push(m.toString('utf8')));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const forwarder = new SyslogForwarder({
      target: `udp://127.0.0.1:${server.address().port}`,
      hostname: 'gw',
    });
    forwarder.forward(alert(1));
    forwarder.forward(alert(2));
    await until(() => messages.length === 2);
    expect(messages[0]).toMatch(
      /^<132>1 2026-01-02T03:04:05\.000Z gw iot-ids \d+ ALERT \[iotids@32473 id="1" /,
    );
    expect(messages[1]).toContain('id="2"');
    expect(forwarder.stats()).toMatchObject({ delivered: 2, failed: 0 });
    await forwarder.close();
  });

  it('frames messages by octet count over TCP and reconnects after the collector drops the connection', async () => {
    let buffered = '';
    const connections: { destroy(): void }[] = [];
    const server = createTcpServer((socket) => {
      connections.push(socket);
      socket.on('data', (chunk) => (buffered += chunk.toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const forwarder = new SyslogForwarder({
      target: `tcp://127.0.0.1:${port}`,
      hostname: 'gw',
      reconnectMs: 5,
    });
    forwarder.forward(alert(1));
    forwarder.forward(alert(2));
    await until(
      () =>
        forwarder.connected &&
        forwarder.stats().delivered === 2 &&
        (buffered.match(/ALERT/g) ?? []).length === 2,
    );
    connections[0].destroy();
    await until(() => !forwarder.connected);
    // The next alert notices the broken connection and opens a new one.
    forwarder.forward(alert(3));
    await until(() => (buffered.match(/ALERT/g) ?? []).length >= 3, 5000);
    const frames: string[] = [];
    let rest = buffered;
    while (rest.length > 0) {
      const space = rest.indexOf(' ');
      const length = Number(rest.slice(0, space));
      const bytes = Buffer.from(rest.slice(space + 1), 'utf8');
      frames.push(bytes.subarray(0, length).toString('utf8'));
      rest = bytes.subarray(length).toString('utf8');
    }
    expect(frames.map((f) => /id="(\d+)"/.exec(f)?.[1])).toEqual(['1', '2', '3']);
    expect(frames.every((f) => f.startsWith('<132>1 '))).toBe(true);
    await forwarder.close();
    for (const c of connections) c.destroy();
  });
});
