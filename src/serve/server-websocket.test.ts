import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { connectWs, rawFrame } from './test-helpers/ws-connect.js';
import { startTinyServer, type TinyServer } from './test-helpers/tiny-server.js';

/** The TCP socket under a `ws` client, to write frames the client library would never send. */
function socketOf(ws: { _socket?: unknown }): Socket {
  return ws._socket as Socket;
}

describe('alert WebSocket protocol violations', () => {
  let tiny: TinyServer;
  beforeAll(async () => {
    tiny = await startTinyServer({ rateLimit: false });
  });
  afterAll(async () => {
    await tiny.cleanup();
  });

  it.each([
    ['a ping over 125 bytes', rawFrame(0x9, Buffer.alloc(126, 97)), 1002],
    ['a fragmented ping', rawFrame(0x9, Buffer.from('ping'), false), 1002],
    ['invalid UTF-8 in a text frame', rawFrame(0x1, Buffer.from([0x68, 0xc3, 0x28])), 1007],
  ])('%s closes the connection', async (_name, frame, code) => {
    const client = await connectWs(`${tiny.url}/v1/alerts/ws`, ['iot-ids']);
    // ws (the client) reports the server's close code, or 1006 when it just drops the connection.
    client.ws.on('error', () => {});
    socketOf(client.ws as unknown as { _socket?: unknown }).write(frame);
    const closed = await Promise.race([
      client.closed,
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000)),
    ]);
    expect(closed).toBe(code);
  });
});
