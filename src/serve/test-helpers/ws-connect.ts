import { WebSocket } from 'ws';

/** A `ws` client with its messages queued, for tests. */
export interface TestSocket {
  ws: WebSocket;
  /** The next text message, parsed as JSON (rejects after `timeoutMs` or when the socket closes). */
  nextJson: (timeoutMs?: number) => Promise<unknown>;
  /** Resolves with the close code once the connection is closed. */
  closed: Promise<number>;
}

/** Opens a WebSocket to `url` (http: is turned into ws:); rejects with the status of a refused upgrade. */
export function connectWs(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {},
): Promise<TestSocket> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols, { headers });
  const messages: string[] = [];
  const waiting: ((text: string | null) => void)[] = [];
  let closeCode: number | null = null;
  const closed = new Promise<number>((resolve) => {
    ws.on('close', (code) => {
      closeCode = code;
      for (const wake of waiting.splice(0)) wake(null);
      resolve(code);
    });
  });
  ws.on('message', (data) => {
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8');
    const wake = waiting.shift();
    if (wake) wake(text);
    else messages.push(text);
  });
  const nextJson = (timeoutMs = 10_000): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const queued = messages.shift();
      if (queued !== undefined) return resolve(JSON.parse(queued));
      if (closeCode !== null) return reject(new Error(`socket closed (${closeCode})`));
      const timer = setTimeout(() => reject(new Error('no message in time')), timeoutMs);
      waiting.push((text) => {
        clearTimeout(timer);
        if (text === null) reject(new Error(`socket closed (${closeCode})`));
        else resolve(JSON.parse(text));
      });
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, nextJson, closed }));
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`upgrade refused: ${response.statusCode}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** A masked client frame built by hand, to send what a well-behaved client never would. */
export function rawFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | length])
      : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([head, mask, masked]);
}
