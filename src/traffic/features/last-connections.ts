import { REJ_ERROR, SYN_ERROR } from './error-bits.js';

/** Running totals of the connections (among the last N) that share one destination host or one service. */
export class GroupTotals<O> {
  n = 0;
  serror = 0;
  rerror = 0;
  /** Count per "other" value: the service for a host group, the destination host for a service group. */
  readonly others = new Map<O, number>();
  /** Count per source port (kept for service groups only: KDD's dst_host_same_src_port_rate). */
  readonly srcPorts = new Map<number, number>();

  /** Back to empty, for reuse (a group's maps are already empty when its last connection left). */
  reset(): this {
    this.n = this.serror = this.rerror = 0;
    this.others.clear();
    this.srcPorts.clear();
    return this;
  }

  countOf(other: O): number {
    return this.others.get(other) ?? 0;
  }

  srcPortCount(port: number): number {
    return this.srcPorts.get(port) ?? 0;
  }
}

/**
 * The last `size` connections of the stream (KDD's host-based window: 100), with totals per destination
 * host and per service kept as connections enter and leave. Memory is bounded by `size` whatever the
 * traffic: a group is deleted when its last connection leaves.
 */
export class LastConnections {
  private readonly host: string[];
  private readonly service: number[];
  private readonly srcPort: Int32Array;
  private readonly err: Uint8Array;
  private next = 0;
  private filled = 0;
  private readonly byHost = new Map<string, GroupTotals<number>>();
  private readonly byService = new Map<number, GroupTotals<string>>();
  // Emptied host groups, reused: with many destination hosts nearly every connection opens a group and
  // closes another, and allocating two maps each time was a fifth of the extractor's time in GC.
  private readonly freeHosts: GroupTotals<number>[] = [];

  constructor(readonly size: number) {
    this.host = new Array<string>(size).fill('');
    this.service = new Array<number>(size).fill(0);
    this.srcPort = new Int32Array(size);
    this.err = new Uint8Array(size);
  }

  /** Adds a connection (evicting the oldest when full); returns its host and service groups, it included. */
  add(
    host: string,
    service: number,
    srcPort: number,
    err: number,
  ): [GroupTotals<number>, GroupTotals<string>] {
    const i = this.next;
    if (this.filled === this.size) this.remove(i);
    else this.filled++;
    this.host[i] = host;
    this.service[i] = service;
    this.srcPort[i] = srcPort;
    this.err[i] = err;
    this.next = (i + 1) % this.size;
    let h = this.byHost.get(host);
    if (h === undefined)
      this.byHost.set(host, (h = this.freeHosts.pop()?.reset() ?? new GroupTotals<number>()));
    let s = this.byService.get(service);
    if (s === undefined) this.byService.set(service, (s = new GroupTotals<string>()));
    addTo(h, service, err);
    addTo(s, host, err);
    s.srcPorts.set(srcPort, (s.srcPorts.get(srcPort) ?? 0) + 1);
    return [h, s];
  }

  get groups(): { hosts: number; services: number } {
    return { hosts: this.byHost.size, services: this.byService.size };
  }

  private remove(i: number): void {
    const host = this.host[i];
    const service = this.service[i];
    const h = this.byHost.get(host);
    const s = this.byService.get(service);
    if (h !== undefined && removeFrom(h, service, this.err[i])) {
      this.byHost.delete(host);
      if (this.freeHosts.length < 64) this.freeHosts.push(h);
    }
    if (s !== undefined) {
      decrement(s.srcPorts, this.srcPort[i]);
      if (removeFrom(s, host, this.err[i])) this.byService.delete(service);
    }
  }
}

function addTo<O>(g: GroupTotals<O>, other: O, err: number): void {
  g.n++;
  if (err & SYN_ERROR) g.serror++;
  if (err & REJ_ERROR) g.rerror++;
  g.others.set(other, (g.others.get(other) ?? 0) + 1);
}

/** Returns true when the group became empty. */
function removeFrom<O>(g: GroupTotals<O>, other: O, err: number): boolean {
  g.n--;
  if (err & SYN_ERROR) g.serror--;
  if (err & REJ_ERROR) g.rerror--;
  decrement(g.others, other);
  return g.n === 0;
}

function decrement<O>(map: Map<O, number>, key: O): void {
  const left = (map.get(key) ?? 1) - 1;
  if (left === 0) map.delete(key);
  else map.set(key, left);
}
