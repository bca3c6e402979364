import { usageError } from '../errors.js';
import type { AlertForwarder, ForwarderStats } from './alert-forwarder.js';
import type { StoredAlert } from './alert-store.js';

export interface WebhookOptions {
  /** http:// or https:// URL the alerts are POSTed to, one JSON alert per request. */
  url: string;
  /** Attempts per alert, the first included. Default 5. */
  maxAttempts?: number;
  /** Wait before the first retry; it doubles after each failed attempt. Default 500 ms. */
  initialBackoffMs?: number;
  /** Longest wait between attempts (a Retry-After header is honoured up to this). Default 30 s. */
  maxBackoffMs?: number;
  /** Time one request may take. Default 5 s. */
  timeoutMs?: number;
  /** Alerts waiting at most; newer ones are dropped and counted beyond that. Default 1000. */
  maxQueue?: number;
  /** Extra request headers (e.g. an authorization token). Default none. */
  headers?: Record<string, string>;
  log?: (message: string) => void;
}

/** 408, 425, 429 and 5xx are worth retrying; any other status means the receiver refuses this alert. */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Forwards alerts as JSON POSTs, one at a time in order, retrying network errors and retryable statuses
 * with exponential backoff. Delivery is at least once: a receiver that stored an alert but answered too late
 * gets it again.
 */
export class WebhookForwarder implements AlertForwarder {
  readonly target: string;
  private readonly url: URL;
  private readonly queue: StoredAlert[] = [];
  private readonly counts = { delivered: 0, failed: 0, dropped: 0 };
  private pumping: Promise<void> | null = null;
  private closing = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: WebhookOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw usageError(`--webhook needs an http:// or https:// URL, got "${options.url}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw usageError(`--webhook needs an http:// or https:// URL, got "${options.url}"`);
    }
    this.url = url;
    this.target = `webhook ${url.origin}${url.pathname}`;
  }

  forward(alert: StoredAlert): void {
    if (this.closing) return;
    if (this.queue.length >= (this.options.maxQueue ?? 1000)) {
      this.counts.dropped++;
      if (this.counts.dropped === 1 || this.counts.dropped % 1000 === 0) {
        this.options.log?.(`${this.target}: queue full, ${this.counts.dropped} alerts dropped so far`);
      }
      return;
    }
    this.queue.push(alert);
    this.pumping ??= this.pump().finally(() => {
      this.pumping = null;
    });
  }

  stats(): ForwarderStats {
    return { ...this.counts, queued: this.queue.length };
  }

  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    if (this.pumping) {
      const timer = setTimeout(() => this.abort.abort(), graceMs);
      await this.pumping;
      clearTimeout(timer);
    }
  }

  private async pump(): Promise<void> {
    for (let alert = this.queue.shift(); alert; alert = this.queue.shift()) {
      if (this.abort.signal.aborted) {
        this.counts.failed += 1 + this.queue.length;
        this.queue.length = 0;
        return;
      }
      await this.deliver(alert);
    }
  }

  private async deliver(alert: StoredAlert): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const body = JSON.stringify(alert);
    let lastProblem = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.options.headers },
          body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs ?? 5000)]),
        });
        await response.body?.cancel();
        if (response.ok) {
          this.counts.delivered++;
          return;
        }
        lastProblem = `HTTP ${response.status}`;
        if (!retryable(response.status)) break;
        const header = Number(response.headers.get('retry-after'));
        if (Number.isFinite(header) && header >= 0) retryAfterMs = header * 1000;
      } catch (error) {
        if (this.abort.signal.aborted) break;
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (attempt < maxAttempts) await this.wait(retryAfterMs ?? this.backoff(attempt));
    }
    this.counts.failed++;
    this.options.log?.(`${this.target}: alert ${alert.id} not delivered (${lastProblem})`);
  }

  /** 500 ms, 1 s, 2 s, … capped at `maxBackoffMs`. */
  private backoff(attempt: number): number {
    return (this.options.initialBackoffMs ?? 500) * 2 ** (attempt - 1);
  }

  private wait(ms: number): Promise<void> {
    const capped = Math.min(ms, this.options.maxBackoffMs ?? 30_000);
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, capped);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
