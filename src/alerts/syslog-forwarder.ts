import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { connect, type Socket as TcpSocket } from 'node:net';
import { usageError } from '../errors.js';
import type { AlertForwarder, ForwarderStats } from './alert-forwarder.js';
import type { StoredAlert } from './alert-store.js';

export interface SyslogTarget {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** `udp://127.0.0.1:514`, `tcp://collector:6514`; the port defaults to 514. */
export function parseSyslogTarget(text: string): SyslogTarget {
  const m = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d{1,5}))?\/?$/i.exec(text.trim());
  const port = m?.[3] === undefined ? 514 : Number(m[3]);
  if (!m || port < 1 || port > 65535) {
    throw usageError(`--syslog needs udp://host:port or tcp://host:port, got "${text}"`);
  }
  return { protocol: m[1].toLowerCase() as 'udp' | 'tcp', host: m[2].replace(/^\[|\]$/g, ''), port };
}

/** local0: the facility RFC 5424 leaves to local use. */
const FACILITY_LOCAL0 = 16;
/** Severity 4, warning: an alert is a finding to look at, not a failure of the service. */
const SEVERITY_WARNING = 4;
/** Structured-data id under the enterprise number RFC 5612 reserves for documentation and examples. */
const SD_ID = 'iotids@32473';
const NIL = '-';

/** RFC 5424 PARAM-VALUE escaping: '"', '\' and ']' take a backslash. */
function sdValue(value: string | number): string {
  return String(value).replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** PRINTUSASCII without spaces, at most `max` characters; '-' when nothing is left. */
function header(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return clean.length > 0 ? clean : NIL;
}

/**
 * One alert as an RFC 5424 message: `<132>1 <time> <host> iot-ids <pid> ALERT [iotids@32473 …] <text>`.
 * The structured data carries the fields a SIEM filters on; the text says the same in words.
 */
export function formatSyslogMessage(
  alert: StoredAlert,
  options: { hostname?: string; appName?: string; procId?: string } = {},
): string {
  const pri = FACILITY_LOCAL0 * 8 + SEVERITY_WARNING;
  const params = [
    `id="${sdValue(alert.id)}"`,
    `class="${sdValue(alert.class)}"`,
    `probability="${sdValue(alert.probability.toFixed(4))}"`,
    `count="${sdValue(alert.count)}"`,
    `source="${sdValue(alert.sourceKey)}"`,
    `windowStart="${sdValue(alert.windowStart)}"`,
    `model="${sdValue(alert.model)}"`,
  ];
  const text =
    `${alert.class} alert from ${alert.sourceKey}: probability ${alert.probability.toFixed(3)}, ` +
    `${alert.count} record${alert.count === 1 ? '' : 's'}`;
  return [
    `<${pri}>1`,
    header(alert.time, 64) === NIL ? NIL : alert.time,
    header(options.hostname ?? hostname(), 255),
    header(options.appName ?? 'iot-ids', 48),
    header(options.procId ?? String(process.pid), 128),
    'ALERT',
    `[${SD_ID} ${params.join(' ')}]`,
    text,
  ].join(' ');
}

export interface SyslogOptions {
  /** `udp://host:port` or `tcp://host:port`. */
  target: string;
  /** Messages waiting at most (TCP, while connecting); newer ones are dropped and counted. Default 1000. */
  maxQueue?: number;
  /** Wait before reconnecting after the TCP connection fails; it doubles up to 30 s. Default 500 ms. */
  reconnectMs?: number;
  hostname?: string;
  log?: (message: string) => void;
}

/**
 * Sends alerts to a syslog collector: over UDP one datagram per message (RFC 5426), over TCP with
 * octet-counting framing (RFC 6587, `<length> <message>`), reconnecting with backoff when the connection
 * drops. Messages written before a TCP connection broke may be lost; they are not counted as delivered
 * until the socket accepted them.
 */
export class SyslogForwarder implements AlertForwarder {
  readonly target: string;
  private readonly destination: SyslogTarget;
  private readonly counts = { delivered: 0, failed: 0, dropped: 0 };
  private readonly queue: Buffer[] = [];
  private udp: UdpSocket | null = null;
  private tcp: TcpSocket | null = null;
  private tcpReady = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelay: number;
  private inFlight = 0;
  private closing = false;

  constructor(private readonly options: SyslogOptions) {
    this.destination = parseSyslogTarget(options.target);
    this.target = `syslog ${this.destination.protocol}://${options.target.replace(/^\w+:\/\//, '')}`;
    this.reconnectDelay = options.reconnectMs ?? 500;
  }

  forward(alert: StoredAlert): void {
    if (this.closing) return;
    const message = Buffer.from(formatSyslogMessage(alert, { hostname: this.options.hostname }), 'utf8');
    if (this.destination.protocol === 'udp') this.sendUdp(message);
    else this.sendTcp(Buffer.concat([Buffer.from(`${message.length} `), message]));
  }

  stats(): ForwarderStats {
    return { ...this.counts, queued: this.queue.length + this.inFlight };
  }

  /** Whether a TCP connection is open now (always false for UDP). */
  get connected(): boolean {
    return this.tcpReady;
  }

  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const deadline = Date.now() + graceMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.counts.failed += this.queue.length;
    this.queue.length = 0;
    this.udp?.close();
    this.udp = null;
    const socket = this.tcp;
    if (socket && this.tcpReady) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        socket.end(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    socket?.destroy();
    this.tcp = null;
  }

  private sendUdp(message: Buffer): void {
    if (!this.udp) {
      this.udp = createSocket(this.destination.host.includes(':') ? 'udp6' : 'udp4');
      this.udp.on('error', (error) => this.options.log?.(`${this.target}: ${error.message}`));
      this.udp.unref();
    }
    this.inFlight++;
    this.udp.send(message, this.destination.port, this.destination.host, (error) => {
      this.inFlight--;
      if (error) {
        this.counts.failed++;
        this.options.log?.(`${this.target}: ${error.message}`);
      } else this.counts.delivered++;
    });
  }

  private sendTcp(frame: Buffer): void {
    if (this.queue.length >= (this.options.maxQueue ?? 1000)) {
      this.counts.dropped++;
      return;
    }
    this.queue.push(frame);
    if (this.tcpReady) this.flush();
    else if (!this.tcp && !this.reconnectTimer) this.connect();
  }

  private connect(): void {
    const socket = connect({ host: this.destination.host, port: this.destination.port });
    this.tcp = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.tcpReady = true;
      this.reconnectDelay = this.options.reconnectMs ?? 500;
      this.flush();
    });
    socket.on('error', (error) => this.options.log?.(`${this.target}: ${error.message}`));
    socket.on('close', () => {
      if (this.tcp !== socket) return;
      this.tcp = null;
      this.tcpReady = false;
      if (this.closing || this.queue.length === 0) return;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (!this.closing) this.connect();
      }, this.reconnectDelay);
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, 30_000);
    });
  }

  private flush(): void {
    const socket = this.tcp;
    if (!socket) return;
    for (let frame = this.queue.shift(); frame; frame = this.queue.shift()) {
      this.inFlight++;
      socket.write(frame, (error) => {
        this.inFlight--;
        if (error) this.counts.failed++;
        else this.counts.delivered++;
      });
    }
  }
}
