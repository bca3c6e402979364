import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

/** A frame as received from the server. */
export interface ReceivedFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * A bare WebSocket client for tests (Node 20 has no WebSocket client without a flag): the handshake over
 * node:http, masked frames out, frames in, as a queue the test can await.
 */
export class TestWebSocket {
  private buffer = Buffer.alloc(0);
  private readonly frames: ReceivedFrame[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(
    readonly socket: Socket,
    readonly protocol: string | undefined,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** Connects; rejects with the HTTP status when the server refuses the upgrade. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<TestWebSocket> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
          ...headers,
        },
      });
      req.on('upgrade', (res, socket, head) => {
        const ws = new TestWebSocket(socket, res.headers['sec-websocket-protocol']);
        if (head.length > 0) socket.unshift(head);
        resolve(ws);
      });
      req.on('response', (res) => {
        res.resume();
        reject(new Error(`upgrade refused: ${res.statusCode}`));
      });
      req.on('error', reject);
      req.end();
    });
  }

  sendFrame(opcode: number, payload: Buffer, fin = true): void {
    const mask = randomBytes(4);
    const masked = Buffer.from(payload);
    for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i & 3];
    let header: Buffer;
    if (payload.length < 126) {
      header = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.alloc(4);
      header[0] = (fin ? 0x80 : 0) | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = (fin ? 0x80 : 0) | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  sendText(text: string): void {
    this.sendFrame(0x1, Buffer.from(text, 'utf8'));
  }

  /** The next frame, or null if the connection closes first or `timeoutMs` passes. */
  async next(timeoutMs = 5000): Promise<ReceivedFrame | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  /** The next text message parsed as JSON (skipping control frames), or null. */
  async nextJson(timeoutMs = 5000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = await this.next(Math.max(1, deadline - Date.now()));
      if (frame === null) return null;
      if (frame.opcode === 0x1) return JSON.parse(frame.payload.toString('utf8')) as unknown;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      const buf = this.buffer;
      if (buf.length < 2) return;
      let length = buf[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) return;
        length = buf.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buf.length < 10) return;
        length = Number(buf.readBigUInt64BE(2));
        offset = 10;
      }
      if (buf.length < offset + length) return;
      this.frames.push({
        opcode: buf[0] & 0x0f,
        payload: Buffer.from(buf.subarray(offset, offset + length)),
      });
      this.buffer = buf.subarray(offset + length);
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
