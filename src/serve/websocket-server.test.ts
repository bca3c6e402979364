import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestWebSocket } from './test-helpers/ws-client.js';
import { MiniWebSocketServer } from './websocket-server.js';

describe('MiniWebSocketServer', () => {
  let server: Server;
  let wss: MiniWebSocketServer;
  let url: string;
  let closes: number[] = [];

  beforeEach(async () => {
    const seen: number[] = [];
    closes = seen;
    wss = new MiniWebSocketServer({ protocol: 'iot-ids', maxPayloadBytes: 100_000 });
    server = createServer();
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        // Echo, to see what the server decoded.
        ws.on('message', (data, binary) => {
          const bytes = Buffer.from(data as Uint8Array);
          ws.send(binary ? bytes : `echo:${bytes.toString('utf8')}`);
        });
        ws.on('close', (code) => seen.push(code));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(async () => {
    wss.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('completes the handshake, selects the offered subprotocol and echoes text of every length', async () => {
    const ws = await TestWebSocket.connect(url, { 'sec-websocket-protocol': 'bearer.x, iot-ids' });
    expect(ws.protocol).toBe('iot-ids');
    for (const length of [5, 200, 70_000]) {
      const text = 'é'.repeat(Math.floor(length / 2));
      ws.sendText(text);
      const frame = await ws.next();
      expect(frame?.opcode).toBe(0x1);
      expect(frame?.payload.toString('utf8')).toBe(`echo:${text}`);
    }
    expect(wss.clientCount).toBe(1);
    ws.close();
  });

  it('reassembles fragments, answers pings and passes binary through', async () => {
    const ws = await TestWebSocket.connect(url);
    expect(ws.protocol).toBeUndefined();
    ws.sendFrame(0x1, Buffer.from('hel'), false);
    ws.sendFrame(0x9, Buffer.from('ping!'));
    ws.sendFrame(0x0, Buffer.from('lo'), true);
    const pong = await ws.next();
    expect(pong).toEqual({ opcode: 0xa, payload: Buffer.from('ping!') });
    expect((await ws.next())?.payload.toString()).toBe('echo:hello');
    ws.sendFrame(0x2, Buffer.from([0, 1, 2, 255]));
    expect(await ws.next()).toEqual({ opcode: 0x2, payload: Buffer.from([0, 1, 2, 255]) });
    ws.close();
  });

  it('answers a close frame with one and reports the code', async () => {
    const ws = await TestWebSocket.connect(url);
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(1000);
    ws.sendFrame(0x8, payload);
    const reply = await ws.next();
    expect(reply?.opcode).toBe(0x8);
    expect(reply?.payload.readUInt16BE(0)).toBe(1000);
    await ws.next(1000);
    expect(ws.closed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closes).toEqual([1000]);
  });

  it('closes with 1009 on a message over the limit and 1002 on an unmasked frame', async () => {
    const big = await TestWebSocket.connect(url);
    big.sendFrame(0x1, Buffer.alloc(100_001, 97));
    const tooBig = await big.next();
    expect(tooBig?.opcode).toBe(0x8);
    expect(tooBig?.payload.readUInt16BE(0)).toBe(1009);

    const raw = await TestWebSocket.connect(url);
    raw.socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const protocolError = await raw.next();
    expect(protocolError?.payload.readUInt16BE(0)).toBe(1002);
  });

  it('refuses a handshake without a valid key and closes clients on shutdown', async () => {
    await expect(TestWebSocket.connect(url, { 'sec-websocket-key': 'short' })).rejects.toThrow();
    const ws = await TestWebSocket.connect(url);
    wss.close();
    const frame = await ws.next();
    expect(frame?.opcode).toBe(0x8);
    expect(frame?.payload.readUInt16BE(0)).toBe(1001);
  });
});
