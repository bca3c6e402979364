import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../alerts/alert-store.js';
import { SyslogForwarder } from '../alerts/syslog-forwarder.js';
import { WebhookForwarder } from '../alerts/webhook-forwarder.js';
import { until } from '../../test/until.js';
import { postRecords, startTinyServer, tinyRecords, type TinyServer } from './test-helpers/tiny-server.js';

describe('serve forwards new alerts to a webhook and to syslog', () => {
  let tiny: TinyServer;
  let hookServer: Server;
  const posted: StoredAlert[] = [];
  const datagrams: string[] = [];
  const udp = createSocket('udp4');

  beforeAll(async () => {
    hookServer = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        posted.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as StoredAlert);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    udp.on('message', (m) => datagrams.push(m.toString('utf8')));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const hookPort = (hookServer.address() as AddressInfo).port;
    tiny = await startTinyServer({
      rateLimit: false,
      forwarders: [
        new WebhookForwarder({ url: `http://127.0.0.1:${hookPort}/alerts` }),
        new SyslogForwarder({ target: `udp://127.0.0.1:${udp.address().port}`, hostname: 'ids-1' }),
      ],
    });
  });
  afterAll(async () => {
    await tiny.cleanup();
    await new Promise<void>((resolve) => hookServer.close(() => resolve()));
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  });

  it('sends each new alert once, as stored, and not the records folded into it later', async () => {
    const first = await postRecords(tiny.url, [...tinyRecords(1, 2, 'normal'), ...tinyRecords(2, 2, 'dos')]);
    expect(first.status).toBe(200);
    const id = first.body.predictions[2].alertId;
    await until(() => posted.length === 1 && datagrams.length === 1);
    expect(posted[0].id).toBe(id);
    expect(posted[0].class).toBe('dos');
    expect(datagrams[0]).toMatch(
      new RegExp(`^<132>1 \\S+ ids-1 iot-ids \\d+ ALERT \\[iotids@32473 id="${id}" class="dos" `),
    );

    // More dos records from the same client in the same window fold into that alert: nothing new to send.
    await postRecords(tiny.url, tinyRecords(3, 2, 'dos'));
    const probe = await postRecords(tiny.url, tinyRecords(4, 1, 'probe'));
    await until(() => posted.length === 2 && datagrams.length === 2);
    expect(posted.map((a) => a.class)).toEqual(['dos', 'probe']);
    expect(posted[1].id).toBe(probe.body.predictions[0].alertId);
  });
});
