import type { StoredAlert } from './alert-store.js';

/**
 * Sends each new alert somewhere outside the service (a webhook, a syslog collector). `forward` never
 * blocks or throws: alerts are queued and delivered in the background, and what could not be delivered is
 * counted and logged, so a slow or absent receiver cannot stall detection.
 */
export interface AlertForwarder {
  /** Where alerts go, for logs (`webhook http://…`, `syslog udp://…`). */
  readonly target: string;
  forward(alert: StoredAlert): void;
  /** Delivered, given up after retries, dropped because the queue was full, and waiting. */
  stats(): ForwarderStats;
  /** Tries to deliver what is queued (up to `graceMs`), then releases sockets and timers. */
  close(graceMs?: number): Promise<void>;
}

export interface ForwarderStats {
  delivered: number;
  failed: number;
  dropped: number;
  queued: number;
}

/** Opens the forwarders the `--webhook` and `--syslog` options ask for. */
export async function openForwarders(options: {
  webhooks?: readonly string[];
  syslog?: readonly string[];
  log?: (message: string) => void;
}): Promise<AlertForwarder[]> {
  const out: AlertForwarder[] = [];
  if (options.webhooks?.length) {
    const { WebhookForwarder } = await import('./webhook-forwarder.js');
    for (const url of options.webhooks) out.push(new WebhookForwarder({ url, log: options.log }));
  }
  if (options.syslog?.length) {
    const { SyslogForwarder } = await import('./syslog-forwarder.js');
    for (const target of options.syslog) out.push(new SyslogForwarder({ target, log: options.log }));
  }
  return out;
}
