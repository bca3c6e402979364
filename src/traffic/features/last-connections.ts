import { IotIdsError } from '../../errors.js';
import { REJ_ERROR, SYN_ERROR } from './error-bits.js';

/** The largest window: the (host, service) totals take size² integers (4 MB at 1,000). */
export const MAX_HOST_WINDOW = 1000;

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
 * Small ids for the values present in the window: at most N live at once, so the counters can be typed
 * arrays indexed by id. An id is released when the last connection holding it leaves the window.
 */
class WindowIds<V> {
  private readonly ids = new Map<V, number>();
  private readonly values: V[] = [];
  private readonly free: number[] = [];

  constructor(capacity: number) {
    for (let id = capacity - 1; id >= 0; id--) this.free.push(id);
  }

  idOf(value: V): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      // At most `capacity` distinct values are in the window, and the leaving connection's id is released
      // before the new one's is taken, so the free list is never empty here.
      id = this.free.pop()!;
      this.ids.set(value, id);
      this.values[id] = value;
    }
    return id;
  }

  release(id: number): void {
    this.ids.delete(this.values[id]);
    this.free.push(id);
  }

  get size(): number {
    return this.ids.size;
  }
}

/**
 * The last `size` connections of the stream (KDD's host-based window: 100), in a ring, with running totals
 * per destination host, per service and per (host, service) pair in typed arrays indexed by small ids, so
 * a connection costs O(1) whatever the traffic (a flood to one host as much as thousands of hosts) and
 * nothing is allocated once the window is full. Only the same-source-port count is a pass over the ring
 * (integer compares): keeping a total per (service, port) pair would need a map that churns on every
 * connection of a flood from random ports.
 */
export class LastConnections {
  private readonly hostId: Int32Array;
  private readonly serviceId: Int32Array;
  private readonly srcPort: Int32Array;
  private readonly err: Uint8Array;
  private next = 0;
  private filled = 0;
  private readonly hosts: WindowIds<string>;
  private readonly services: WindowIds<number>;
  // Totals per id: connections, SYN errors, REJ errors; and per (host id, service id) pair.
  private readonly hostN: Int32Array;
  private readonly hostS: Int32Array;
  private readonly hostR: Int32Array;
  private readonly serviceN: Int32Array;
  private readonly serviceS: Int32Array;
  private readonly serviceR: Int32Array;
  private readonly pair: Int32Array;
  private readonly counts = new LastConnectionCounts();

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_HOST_WINDOW) {
      throw new IotIdsError(
        `kdd-traffic: the host-based window must be a whole number of connections from 1 to ${MAX_HOST_WINDOW}, got ${size}`,
        { kind: 'usage' },
      );
    }
    this.hostId = new Int32Array(size);
    this.serviceId = new Int32Array(size);
    this.srcPort = new Int32Array(size);
    this.err = new Uint8Array(size);
    this.hosts = new WindowIds<string>(size);
    this.services = new WindowIds<number>(size);
    this.hostN = new Int32Array(size);
    this.hostS = new Int32Array(size);
    this.hostR = new Int32Array(size);
    this.serviceN = new Int32Array(size);
    this.serviceS = new Int32Array(size);
    this.serviceR = new Int32Array(size);
    this.pair = new Int32Array(size * size);
  }

  /** Adds a connection (replacing the oldest when full) and returns the window's counts for it. */
  add(host: string, service: number, srcPort: number, err: number): LastConnectionCounts {
    const i = this.next;
    if (this.filled === this.size) this.remove(i);
    else this.filled++;
    const h = this.hosts.idOf(host);
    const s = this.services.idOf(service);
    this.hostId[i] = h;
    this.serviceId[i] = s;
    this.srcPort[i] = srcPort;
    this.err[i] = err;
    this.next = i + 1 === this.size ? 0 : i + 1;
    const syn = err & SYN_ERROR ? 1 : 0;
    const rej = err & REJ_ERROR ? 1 : 0;
    this.hostN[h]++;
    this.hostS[h] += syn;
    this.hostR[h] += rej;
    this.serviceN[s]++;
    this.serviceS[s] += syn;
    this.serviceR[s] += rej;
    this.pair[h * this.size + s]++;

    let samePort = 0;
    for (let k = 0; k < this.filled; k++) {
      if (this.serviceId[k] === s && this.srcPort[k] === srcPort) samePort++;
    }
    const c = this.counts;
    c.host = this.hostN[h];
    c.hostSerror = this.hostS[h];
    c.hostRerror = this.hostR[h];
    c.service = this.serviceN[s];
    c.serviceSerror = this.serviceS[s];
    c.serviceRerror = this.serviceR[s];
    c.hostAndService = this.pair[h * this.size + s];
    c.serviceAndSrcPort = samePort;
    return c;
  }

  /** Distinct destination hosts and services in the window. */
  get groups(): { hosts: number; services: number } {
    return { hosts: this.hosts.size, services: this.services.size };
  }

  /** Takes the connection in slot `i` out of every total, releasing ids nothing else holds. */
  private remove(i: number): void {
    const h = this.hostId[i];
    const s = this.serviceId[i];
    const syn = this.err[i] & SYN_ERROR ? 1 : 0;
    const rej = this.err[i] & REJ_ERROR ? 1 : 0;
    this.hostS[h] -= syn;
    this.hostR[h] -= rej;
    this.serviceS[s] -= syn;
    this.serviceR[s] -= rej;
    this.pair[h * this.size + s]--;
    if (--this.hostN[h] === 0) this.hosts.release(h);
    if (--this.serviceN[s] === 0) this.services.release(s);
  }
}
