import { REJ_ERROR, SYN_ERROR } from './error-bits.js';

/**
 * What the last N connections say about the current one (KDD's host-based features), the current one
 * included. One object is reused for every connection: read it before the next `add`.
 */
export class LastConnectionCounts {
  /** Connections to the same destination host (dst_host_count), and how many had SYN / REJ errors. */
  host = 0;
  hostSerror = 0;
  hostRerror = 0;
  /** Connections to the same service (dst_host_srv_count), and how many had SYN / REJ errors. */
  service = 0;
  serviceSerror = 0;
  serviceRerror = 0;
  /** Connections to the same host and the same service. */
  hostAndService = 0;
  /** Connections to the same service from the same source port (dst_host_same_src_port_rate's numerator). */
  serviceAndSrcPort = 0;
}

/**
 * The last `size` connections of the stream (KDD's host-based window: 100), kept in a ring of typed
 * columns; each new connection's counts come from one pass over it. With N = 100 a pass costs about as
 * much as keeping per-host and per-service totals in maps did, but allocates nothing and holds exactly N
 * entries whatever the traffic (per-group maps were most of the extractor's garbage on traffic with
 * thousands of destination hosts). Hosts are compared by a 32-bit hash first and by the string only when
 * the hashes agree, so a hash collision cannot merge two hosts.
 */
export class LastConnections {
  private readonly host: string[];
  private readonly hostHash: Int32Array;
  private readonly service: Int32Array;
  private readonly srcPort: Int32Array;
  private readonly err: Uint8Array;
  private next = 0;
  private filled = 0;
  private readonly counts = new LastConnectionCounts();

  constructor(readonly size: number) {
    this.host = new Array<string>(size).fill('');
    this.hostHash = new Int32Array(size);
    this.service = new Int32Array(size);
    this.srcPort = new Int32Array(size);
    this.err = new Uint8Array(size);
  }

  /** Adds a connection (replacing the oldest when full) and returns the window's counts for it. */
  add(host: string, service: number, srcPort: number, err: number): LastConnectionCounts {
    const h = hashString(host);
    const i = this.next;
    this.host[i] = host;
    this.hostHash[i] = h;
    this.service[i] = service;
    this.srcPort[i] = srcPort;
    this.err[i] = err;
    this.next = i + 1 === this.size ? 0 : i + 1;
    if (this.filled < this.size) this.filled++;

    let nHost = 0;
    let hostSerror = 0;
    let hostRerror = 0;
    let nService = 0;
    let serviceSerror = 0;
    let serviceRerror = 0;
    let both = 0;
    let samePort = 0;
    for (let k = 0; k < this.filled; k++) {
      const e = this.err[k];
      const sameHost = this.hostHash[k] === h && this.host[k] === host;
      if (sameHost) {
        nHost++;
        if (e & SYN_ERROR) hostSerror++;
        if (e & REJ_ERROR) hostRerror++;
      }
      if (this.service[k] === service) {
        nService++;
        if (e & SYN_ERROR) serviceSerror++;
        if (e & REJ_ERROR) serviceRerror++;
        if (sameHost) both++;
        if (this.srcPort[k] === srcPort) samePort++;
      }
    }
    const c = this.counts;
    c.host = nHost;
    c.hostSerror = hostSerror;
    c.hostRerror = hostRerror;
    c.service = nService;
    c.serviceSerror = serviceSerror;
    c.serviceRerror = serviceRerror;
    c.hostAndService = both;
    c.serviceAndSrcPort = samePort;
    return c;
  }

  /** Distinct destination hosts and services in the window (a diagnostic: builds two sets). */
  get groups(): { hosts: number; services: number } {
    const hosts = new Set(this.host.slice(0, this.filled));
    const services = new Set(this.service.subarray(0, this.filled));
    return { hosts: hosts.size, services: services.size };
  }
}

/** FNV-1a over the string's UTF-16 code units: cheap, and only a pre-filter before comparing strings. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
