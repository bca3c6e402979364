import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketLike, WebSocketServerLike } from '@hono/node-server';

export interface MiniWebSocketServerOptions {
  /** Subprotocol selected when the client offers it (browsers require one echoed back if they offered any). Default none. */
  protocol?: string;
  /** Largest message accepted from a client, in bytes; larger closes the connection (1009). Default 64 KiB. */
  maxPayloadBytes?: number;
  /** Unsent bytes allowed to pile up for a slow client before it is disconnected. Default 4 MiB. */
  maxBufferedBytes?: number;
}

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A small RFC 6455 WebSocket server for @hono/node-server 2, which handles the upgrade routing itself and
 * only needs an object shaped like `ws`'s WebSocketServer (`noServer` mode). The service only pushes alerts
 * to clients, so this implements what that needs: the handshake with subprotocol selection, text and
 * binary frames both ways, fragmentation, ping/pong, the closing handshake, a payload limit and dropping
 * clients that do not keep up. No extensions (no permessage-deflate).
 */
export class MiniWebSocketServer extends EventEmitter implements WebSocketServerLike {
  readonly options = { noServer: true };
  private readonly clients = new Set<MiniWebSocket>();
  private readonly maxPayloadBytes: number;
  private readonly maxBufferedBytes: number;

  constructor(private readonly config: MiniWebSocketServerOptions = {}) {
    super();
    this.maxPayloadBytes = config.maxPayloadBytes ?? 64 * 1024;
    this.maxBufferedBytes = config.maxBufferedBytes ?? 4 * 1024 * 1024;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    callback: (ws: WebSocketLike) => void,
  ): void {
    const key = request.headers['sec-websocket-key'];
    const version = request.headers['sec-websocket-version'];
    if (
      request.method !== 'GET' ||
      typeof key !== 'string' ||
      Buffer.from(key, 'base64').length !== 16 ||
      version !== '13'
    ) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const offered = (request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    const protocol =
      this.config.protocol !== undefined && offered.includes(this.config.protocol)
        ? this.config.protocol
        : '';
    const accept = createHash('sha1')
      .update(key + HANDSHAKE_GUID)
      .digest('base64');
    const headers = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
    ];
    if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
    this.emit('headers', headers, request);
    socket.write(`${headers.join('\r\n')}\r\n\r\n`);
    const ws = new MiniWebSocket(socket, protocol, this.maxPayloadBytes, this.maxBufferedBytes);
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    if (head.length > 0) ws.receive(head);
    callback(ws);
  }

  /** Closes every client connection (1001, going away). */
  close(): void {
    for (const ws of this.clients) ws.close(1001, 'server shutting down');
  }
}

/** One server-side connection, shaped like a `ws` WebSocket as far as @hono/node-server uses it. */
export class MiniWebSocket extends EventEmitter implements WebSocketLike {
  readyState: 0 | 1 | 2 | 3 = OPEN;
  private pending: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentBytes = 0;
  private closeEmitted = false;
  private closeTimer: NodeJS.Timeout | null = null;
  private closeCode = 1005;
  private closeReason: Buffer = Buffer.alloc(0);

  constructor(
    private readonly socket: Duplex,
    readonly protocol: string,
    private readonly maxPayloadBytes: number,
    private readonly maxBufferedBytes: number,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== OPEN) return;
    if (this.socket.writableLength > this.maxBufferedBytes) {
      // The client does not read: drop it rather than buffer without bound.
      this.socket.destroy();
      return;
    }
    if (typeof data === 'string') this.writeFrame(0x1, Buffer.from(data, 'utf8'));
    else if (data instanceof ArrayBuffer) this.writeFrame(0x2, Buffer.from(data));
    else this.writeFrame(0x2, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    const text = Buffer.from(reason, 'utf8').subarray(0, 123);
    const payload = Buffer.alloc(2 + text.length);
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2);
    this.closeCode = code;
    this.writeFrame(0x8, payload);
    // Nothing more is sent after a close frame, so the write side can end now; the client's close frame
    // can still be read. Do not wait for the client forever.
    this.socket.end();
    this.closeTimer = setTimeout(() => this.socket.destroy(), 1000);
    this.closeTimer.unref();
  }

  /** Parses as many complete frames as `chunk` (plus leftovers) holds. */
  receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.readyState !== CLOSED) {
      const frame = this.nextFrame();
      if (frame === null) return;
      this.handleFrame(frame.fin, frame.opcode, frame.payload);
    }
  }

  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | null {
    const buf = this.pending;
    if (buf.length < 2) return null;
    const fin = (buf[0] & 0x80) !== 0;
    const opcode = buf[0] & 0x0f;
    const masked = (buf[1] & 0x80) !== 0;
    let length = buf[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buf.length < 4) return null;
      length = buf.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buf.length < 10) return null;
      const big = buf.readBigUInt64BE(2);
      length = big > BigInt(this.maxPayloadBytes) ? this.maxPayloadBytes + 1 : Number(big);
      offset = 10;
    }
    if ((buf[0] & 0x70) !== 0 || !masked) {
      // Reserved bits need an extension we did not agree to; clients must mask (RFC 6455 §5.1).
      this.fail(1002, 'protocol error');
      return null;
    }
    if (length > this.maxPayloadBytes) {
      this.fail(1009, 'message too big');
      return null;
    }
    if (buf.length < offset + 4 + length) return null;
    const mask = buf.subarray(offset, offset + 4);
    const payload = Buffer.from(buf.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    this.pending = buf.subarray(offset + 4 + length);
    return { fin, opcode, payload };
  }

  private handleFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0:
      case 0x1:
      case 0x2: {
        if (opcode !== 0x0) {
          if (this.fragments.length > 0) return this.fail(1002, 'new message inside a fragmented one');
          this.fragmentOpcode = opcode;
        } else if (this.fragments.length === 0) {
          return this.fail(1002, 'continuation without a message');
        }
        this.fragmentBytes += payload.length;
        if (this.fragmentBytes > this.maxPayloadBytes) return this.fail(1009, 'message too big');
        this.fragments.push(payload);
        if (!fin) return;
        const message = Buffer.concat(this.fragments);
        const binary = this.fragmentOpcode === 0x2;
        this.fragments = [];
        this.fragmentBytes = 0;
        if (this.readyState === OPEN) this.emit('message', message, binary);
        return;
      }
      case 0x8: {
        if (payload.length >= 2) {
          this.closeCode = payload.readUInt16BE(0);
          this.closeReason = payload.subarray(2);
        }
        if (this.readyState === OPEN) {
          this.readyState = CLOSING;
          this.writeFrame(0x8, payload.subarray(0, 2));
        }
        this.socket.end();
        return;
      }
      case 0x9:
        if (this.readyState === OPEN) this.writeFrame(0xa, payload);
        return;
      case 0xa:
        return;
      default:
        return this.fail(1002, `unknown opcode ${opcode}`);
    }
  }

  private fail(code: number, reason: string): void {
    this.close(code, reason);
    this.readyState = CLOSED;
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    const length = payload.length;
    let header: Buffer;
    if (length < 126) {
      header = Buffer.from([0x80 | opcode, length]);
    } else if (length < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    if (!this.socket.writable) return;
    this.socket.write(Buffer.concat([header, payload]));
  }

  private finish(): void {
    this.readyState = CLOSED;
    if (this.closeTimer) clearTimeout(this.closeTimer);
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close', this.closeCode, this.closeReason);
  }
}
