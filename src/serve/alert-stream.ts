import type { AlertHub } from '../alerts/alert-hub.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { IotIdsError } from '../errors.js';

export interface AlertStreamOptions {
  /** Replay stored alerts with a larger id first (the SSE `Last-Event-ID`). Default none. */
  after?: number;
  /** Alerts replayed at most. Default 500. */
  maxReplay?: number;
  /** Comment line sent this often so proxies keep the connection open, in ms. Default 15000. */
  heartbeatMs?: number;
  /** Events queued for a client that does not read before it is dropped. Default 1000. */
  maxQueuedEvents?: number;
  /** Called once when the stream ends, however it ends. */
  onEnd?: () => void;
}

const encoder = new TextEncoder();

/**
 * A server-sent event stream of live alerts: `event: alert` (a new alert, `id:` its id, so a reconnecting
 * EventSource resumes where it stopped) and `event: update` (an open alert gained records). Returns null
 * when the hub has no room for another subscriber. A client too slow to read is disconnected rather than
 * buffered for without bound: the stream is our own ReadableStream because the drop needs its queue depth
 * (`desiredSize`), which `hono/streaming` keeps private (see docs/architecture.md).
 */
export function alertEventStream(
  hub: AlertHub,
  store: AlertStore,
  options: AlertStreamOptions = {},
): { stream: ReadableStream<Uint8Array>; close: () => void } | null {
  let unsubscribe: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  const maxQueued = options.maxQueuedEvents ?? 1000;
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe?.();
    if (heartbeat) clearInterval(heartbeat);
    options.onEnd?.();
  };
  const send = (text: string): boolean => {
    if (ended) return false;
    if ((controller.desiredSize ?? 0) <= 0) {
      end();
      controller.error(
        new IotIdsError(
          `live client too slow: ${maxQueued} events waiting unread; disconnected (it may reconnect with Last-Event-ID)`,
        ),
      );
      return false;
    }
    controller.enqueue(encoder.encode(text));
    return true;
  };
  unsubscribe = hub.subscribe((event, json) => {
    const id = event.type === 'alert' ? `id: ${event.data.id}\n` : '';
    send(`${id}event: ${event.type}\ndata: ${json}\n\n`);
  });
  if (unsubscribe === null) return null;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        send('retry: 3000\n\n');
        if (options.after !== undefined) {
          // Pages end by bytes too (see AlertStore.list), so ask until the replay is done.
          let left = options.maxReplay ?? 500;
          let after = options.after;
          while (left > 0) {
            const replay = store.list({ after, limit: Math.min(left, 1000) }).alerts;
            if (replay.length === 0) break;
            for (const alert of replay) {
              if (!send(`id: ${alert.id}\nevent: alert\ndata: ${JSON.stringify(alert)}\n\n`)) return;
            }
            left -= replay.length;
            after = replay[replay.length - 1].id;
          }
        }
        heartbeat = setInterval(() => send(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
        heartbeat.unref();
      },
      cancel() {
        end();
      },
    },
    { highWaterMark: maxQueued },
  );
  return {
    stream,
    close: () => {
      if (ended) return;
      end();
      controller.close();
    },
  };
}
