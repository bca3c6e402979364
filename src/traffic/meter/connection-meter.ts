import { IotIdsError } from '../../errors.js';
import { SkipTally, type ConnRecord } from '../conn-record.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';
import { formatIpv4, formatIpv6 } from '../decode/format-address.js';
import { advanceTcpState, tcpConnState } from './conn-state.js';
import { Connection, ListId } from './connection.js';
import { InterimQueue } from './interim-queue.js';
import { serviceForPort } from './services.js';
import { TcpState } from './tcp-endpoint.js';

export interface ConnectionMeterOptions {
  /** Receives every finished (and interim) record. */
  onRecord: (record: ConnRecord) => void;
  /** Inactivity timeouts in seconds (Zeek's defaults: TCP 5 min, UDP and ICMP 1 min). */
  tcpTimeout?: number;
  udpTimeout?: number;
  icmpTimeout?: number;
  /** Seconds a TCP connection stays after both sides closed or one reset (Zeek's tcp_close_delay, 5 s). */
  closeDelay?: number;
  /** Most connections kept open; beyond it the least recently active is finished early and counted. */
  maxConnections?: number;
  /** Seconds between interim records of open connections (0: none, the default for offline captures). */
  interimInterval?: number;
}

export interface MeterStats {
  /** Packets that went into a connection. */
  packets: number;
  /** Packets not metered (ARP, other IP protocols, later fragments), by reason with positions. */
  skips: SkipTally;
  connections: number;
  /** Connections finished early because the table was full. */
  evictions: number;
  /** Packets whose timestamp went backwards (metered at the latest time seen). */
  outOfOrder: number;
  open: number;
}

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;

// History letter slots (per side); see Connection.addHistory.
const H_SYN = 0;
const H_SYNACK = 1;
const H_ACK = 2;
const H_DATA = 3;
const H_FIN = 4;
const H_RST = 5;
const H_MULTI = 6;
const H_FINRST = 7;
const H_RETRANS = 8;

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * Meters decoded packets into bidirectional connections as Zeek's conn.log does: keyed by the 5-tuple in
 * either direction, the originator is the sender of the first packet (for TCP the SYN's sender: a
 * connection first seen at its SYN-ACK is turned round and its history starts with `^`), TCP sizes come
 * from sequence numbers, UDP and ICMP sizes from payload lengths, and connections end by inactivity
 * timeout, close delay, table eviction or `flush()`. Time is packet time: nothing here reads the clock.
 */
export class ConnectionMeter {
  /** Hash buckets (chained through Connection.chainNext); a power of two, grown to stay above twice the open count. */
  private buckets: (Connection | null)[] = new Array<Connection | null>(1024).fill(null);
  private mask = 1023;
  /** Finished connection objects kept for reuse. */
  private readonly pool: Connection[] = [];
  private readonly heads: (Connection | null)[] = [null, null, null, null];
  private readonly tails: (Connection | null)[] = [null, null, null, null];
  private readonly timeouts: number[];
  /** Per list, how far a connection's last packet may lag behind when it was queued (timeout / 8). */
  private readonly requeueAfter: number[];
  private readonly maxConnections: number;
  private readonly interimInterval: number;
  private readonly onRecord: (record: ConnRecord) => void;
  private readonly interims = new InterimQueue();
  private now = -Infinity;
  private nextId = 1;
  private size = 0;
  readonly stats: MeterStats = {
    packets: 0,
    skips: new SkipTally(),
    connections: 0,
    evictions: 0,
    outOfOrder: 0,
    open: 0,
  };

  constructor(options: ConnectionMeterOptions) {
    this.onRecord = options.onRecord;
    this.timeouts = [
      options.tcpTimeout ?? 300,
      options.udpTimeout ?? 60,
      options.icmpTimeout ?? 60,
      options.closeDelay ?? 5,
    ];
    this.requeueAfter = this.timeouts.map((t) => t / 8);
    this.maxConnections = options.maxConnections ?? 500_000;
    this.interimInterval = options.interimInterval ?? 0;
    for (const [name, v] of [
      ['maxConnections', this.maxConnections],
      ['interimInterval', this.interimInterval + 1],
      ...this.timeouts.map((t, i) => [`timeout ${i}`, t] as const),
    ] as const) {
      if (!(v > 0)) throw new IotIdsError(`connection meter: ${name} must be positive`, { kind: 'usage' });
    }
  }

  /** Meters one packet (the view may be reused afterwards: nothing keeps a reference to it). */
  add(p: DecodedPacket): void {
    const proto = p.protocol;
    if (
      p.ipVersion === 0 ||
      !p.hasPorts ||
      (proto !== TCP && proto !== UDP && proto !== ICMP && proto !== ICMPV6)
    ) {
      this.stats.skips.add(this.skipReason(p), `frame ${p.index}`);
      return;
    }
    let ts = p.ts;
    if (ts < this.now) {
      this.stats.outOfOrder++;
      ts = this.now;
    } else {
      this.now = ts;
      this.expire(ts);
      if (this.interims.size > 0) this.takeDueInterims(ts);
    }
    this.stats.packets++;

    const v6 = p.ipVersion === 6;
    const a = p.addr;
    const s0 = v6 ? a[0] : p.src4;
    const d0 = v6 ? a[4] : p.dst4;
    const s1 = v6 ? a[1] : 0;
    const s2 = v6 ? a[2] : 0;
    const s3 = v6 ? a[3] : 0;
    const d1 = v6 ? a[5] : 0;
    const d2 = v6 ? a[6] : 0;
    const d3 = v6 ? a[7] : 0;
    const sp = p.srcPort;
    const dp = p.dstPort;
    // Symmetric hash: both directions of a connection land in the same slot.
    const hs = mix(mix(mix(mix(sp, s0), s1), s2), s3);
    const hd = mix(mix(mix(mix(dp, d0), d1), d2), d3);
    const hash = mix(hs + hd, (hs ^ hd) + proto) | 0;

    let conn: Connection | null = this.buckets[hash & this.mask] ?? null;
    let isOrig = true;
    while (conn) {
      if (conn.protocol === proto) {
        if (
          conn.origPort === sp &&
          conn.respPort === dp &&
          conn.o0 === s0 &&
          conn.r0 === d0 &&
          conn.o1 === s1 &&
          conn.o2 === s2 &&
          conn.o3 === s3 &&
          conn.r1 === d1 &&
          conn.r2 === d2 &&
          conn.r3 === d3
        ) {
          isOrig = true;
          break;
        }
        if (
          conn.origPort === dp &&
          conn.respPort === sp &&
          conn.o0 === d0 &&
          conn.r0 === s0 &&
          conn.o1 === d1 &&
          conn.o2 === d2 &&
          conn.o3 === d3 &&
          conn.r1 === s1 &&
          conn.r2 === s2 &&
          conn.r3 === s3
        ) {
          isOrig = false;
          break;
        }
      }
      conn = conn.chainNext;
    }

    const flags = p.tcpFlags;
    // Expiry is exact at lookup (the lists below are only re-ordered lazily, see `expire`).
    if (conn && ts - conn.lastTs > this.timeouts[conn.list]) {
      this.finish(conn, false);
      conn = null;
    }
    if (conn && proto === TCP && this.isReuse(conn, isOrig, flags, p.tcpSeq)) {
      this.finish(conn, false);
      conn = null;
    }
    if (!conn) {
      if (this.size >= this.maxConnections) this.evictOldest();
      // A connection first seen at a SYN-ACK is turned round: its receiver sent the (missed) SYN.
      const flip = proto === TCP && (flags & 0x12) === 0x12;
      conn = this.pool.pop() ?? new Connection();
      conn.reset(hash, this.nextId++, proto, v6 ? 6 : 4);
      if (flip) {
        conn.o0 = d0;
        conn.o1 = d1;
        conn.o2 = d2;
        conn.o3 = d3; // prettier-ignore
        conn.r0 = s0;
        conn.r1 = s1;
        conn.r2 = s2;
        conn.r3 = s3; // prettier-ignore
        conn.origPort = dp;
        conn.respPort = sp;
        conn.history = '^';
        isOrig = false;
      } else {
        conn.o0 = s0;
        conn.o1 = s1;
        conn.o2 = s2;
        conn.o3 = s3; // prettier-ignore
        conn.r0 = d0;
        conn.r1 = d1;
        conn.r2 = d2;
        conn.r3 = d3; // prettier-ignore
        conn.origPort = sp;
        conn.respPort = dp;
        isOrig = true;
      }
      conn.startTs = ts;
      conn.lastInterimTs = ts;
      conn.chainNext = this.buckets[hash & this.mask]!;
      this.buckets[hash & this.mask] = conn;
      this.size++;
      this.stats.open = this.size;
      this.stats.connections++;
      this.append(conn, proto === TCP ? ListId.Tcp : proto === UDP ? ListId.Udp : ListId.Icmp);
      if (this.interimInterval > 0) this.interims.push(conn);
      if (this.size * 2 > this.buckets.length && this.buckets.length < 1 << 23) this.grow();
    }
    conn.lastTs = ts;
    // Keeps each connection's last packet within an eighth of its timeout of when it was queued, so `expire`
    // finds it idle the first time it comes due (at most timeout / 8 late) instead of queueing it again for a
    // whole timeout, which kept idle connections up to twice their timeout (twice the table). A busy
    // connection moves to the tail at most eight times per timeout.
    if (ts - conn.queuedTs > this.requeueAfter[conn.list]) {
      this.unlink(conn);
      this.append(conn, conn.list);
    }

    if (isOrig) {
      conn.origPkts++;
      conn.origIpBytes += p.ipLength;
    } else {
      conn.respPkts++;
      conn.respIpBytes += p.ipLength;
    }
    if (p.wrongFragment) conn.wrongFragments++;
    if (p.urgent) conn.urgentPackets++;

    if (proto === TCP) {
      this.tcpPacket(conn, isOrig, flags, p.tcpSeq, p.tcpAck, p.payloadLength);
    } else {
      if (isOrig) conn.origPayload += p.payloadLength;
      else conn.respPayload += p.payloadLength;
      if (proto === UDP) conn.addHistory(H_DATA, 'D', isOrig);
    }
    // A parked connection's interim record was due and waited for a packet: this one.
    if (conn.interimParked) {
      conn.interimParked = false;
      this.emitInterim(conn, ts);
    }
  }

  /** Finishes every open connection (end of input), oldest start first. */
  flush(): void {
    const open: Connection[] = [];
    for (let list = 0; list < 4; list++) {
      for (let c: Connection | null = this.heads[list] ?? null; c; c = c.listNext) open.push(c);
    }
    open.sort((x, y) => x.startTs - y.startTs || x.id - y.id);
    for (const c of open) this.finish(c, false);
  }

  private skipReason(p: DecodedPacket): string {
    if (p.isArp) return 'ARP (not metered)';
    if (p.ipVersion === 0) return 'non-IP (not metered)';
    if (p.isFragment && !p.hasPorts) return 'IP fragment without transport header (not reassembled)';
    return `IP protocol ${p.protocol} (not metered)`;
  }

  private tcpPacket(
    conn: Connection,
    isOrig: boolean,
    flags: number,
    seq: number,
    ack: number,
    len: number,
  ): void {
    const sender = isOrig ? conn.orig : conn.resp;
    const peer = isOrig ? conn.resp : conn.orig;
    const syn = (flags & 0x02) !== 0;
    const fin = (flags & 0x01) !== 0;
    const rst = (flags & 0x04) !== 0;
    const hasAck = (flags & 0x10) !== 0;

    // Sequence space: (re)started by a SYN, or by the first packet seen from this side.
    if (!sender.initialized || (syn && sender.state === TcpState.Inactive && sender.startSeq !== seq)) {
      sender.init(seq, syn);
    }
    const retransmission = sender.sent(seq, len, syn, fin, rst);
    if (hasAck) {
      if (!peer.initialized) peer.init(ack, false);
      peer.acked(ack);
    }
    advanceTcpState(sender, peer, isOrig, flags, len, conn.orig);

    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) conn.addHistory(H_FINRST, 'I', isOrig);
      else conn.addHistory(H_MULTI, 'Q', isOrig);
    } else if (bits === 1) {
      if (syn) conn.addHistory(hasAck ? H_SYNACK : H_SYN, hasAck ? 'H' : 'S', isOrig);
      if (fin) conn.addHistory(H_FIN, 'F', isOrig);
      if (rst) conn.addHistory(H_RST, 'R', isOrig);
    } else if (len > 0) {
      conn.addHistory(H_DATA, 'D', isOrig);
    } else if (hasAck) {
      conn.addHistory(H_ACK, 'A', isOrig);
    }
    if (retransmission) conn.addHistory(H_RETRANS, 'T', isOrig);

    const o = conn.orig.state;
    const r = conn.resp.state;
    const done =
      o === TcpState.Reset || r === TcpState.Reset || (o === TcpState.Closed && r === TcpState.Closed);
    if (done && conn.list !== ListId.Closing) {
      this.unlink(conn);
      this.append(conn, ListId.Closing);
    }
  }

  /** A new SYN on a finished connection's 5-tuple starts a new connection (Zeek's port reuse). */
  private isReuse(conn: Connection, isOrig: boolean, flags: number, seq: number): boolean {
    if ((flags & 0x17) !== 0x02) return false; // a bare SYN only
    const sender = isOrig ? conn.orig : conn.resp;
    const o = conn.orig.state;
    const r = conn.resp.state;
    const closed = (s: TcpState) => s === TcpState.Closed || s === TcpState.Reset;
    if (!(closed(o) || closed(r))) return false;
    return !(sender.initialized && sender.startSeq === seq && sender.state !== TcpState.Inactive && isOrig);
  }

  /** Doubles the bucket array and re-chains every open connection (amortised O(1) per connection). */
  private grow(): void {
    const buckets = new Array<Connection | null>(this.buckets.length * 2).fill(null);
    const mask = buckets.length - 1;
    for (let list = 0; list < 4; list++) {
      for (let c: Connection | null = this.heads[list] ?? null; c; c = c.listNext) {
        const slot = c.hash & mask;
        c.chainNext = buckets[slot]!;
        buckets[slot] = c;
      }
    }
    this.buckets = buckets;
    this.mask = mask;
  }

  private append(conn: Connection, list: ListId): void {
    conn.list = list;
    conn.queuedTs = this.now;
    conn.listNext = null;
    conn.listPrev = this.tails[list]!;
    if (conn.listPrev) conn.listPrev.listNext = conn;
    else this.heads[list] = conn;
    this.tails[list] = conn;
  }

  private unlink(conn: Connection): void {
    const list = conn.list;
    if (conn.listPrev) conn.listPrev.listNext = conn.listNext;
    else this.heads[list] = conn.listNext;
    if (conn.listNext) conn.listNext.listPrev = conn.listPrev;
    else this.tails[list] = conn.listPrev;
    conn.listPrev = conn.listNext = null;
  }

  private expire(now: number): void {
    for (let list = 0; list < 4; list++) {
      const timeout = this.timeouts[list];
      let head = this.heads[list]!;
      // Lists are ordered by when a connection was queued, not by its last packet: a packet does not move
      // its connection (that would touch three objects per packet). A head whose time is up is finished
      // if it really was idle, else queued again at the tail.
      const due = timeout + this.requeueAfter[list];
      while (head && head.queuedTs + due < now) {
        if (head.lastTs + timeout < now) this.finish(head, false);
        else {
          this.unlink(head);
          this.append(head, list);
        }
        head = this.heads[list]!;
      }
    }
  }

  /** Finishes the least recently active connection (heads active since they were queued go to the tail). */
  private evictOldest(): void {
    for (;;) {
      let oldest: Connection | null = null;
      for (let list = 0; list < 4; list++) {
        const h = this.heads[list]!;
        if (h && (!oldest || h.queuedTs < oldest.queuedTs)) oldest = h;
      }
      if (!oldest) return;
      if (oldest.lastTs > oldest.queuedTs) {
        this.unlink(oldest);
        this.append(oldest, oldest.list);
        continue;
      }
      this.stats.evictions++;
      this.finish(oldest, false);
      return;
    }
  }

  /**
   * Interim records of the connections due by `now`, each on its own schedule (≥ interval between its
   * records), taken from the due-ordered queue: only due connections are touched, so records come out as
   * they fall due, not in bursts. A connection's first interim record always comes out (a lone scan probe
   * alerts an interval after it, not at its timeout); later ones only after new packets — an idle
   * connection's next record would repeat its last one, and at a gateway with 100 k open connections those
   * repeats were most of the scoring load — so an idle one is parked until its next packet.
   */
  private takeDueInterims(now: number): void {
    const interval = this.interimInterval;
    for (let c = this.interims.peek(); c && c.lastInterimTs + interval <= now; c = this.interims.peek()) {
      this.interims.shift();
      const first = c.lastInterimTs === c.startTs;
      if (first || c.lastTs > c.lastInterimTs) this.emitInterim(c, now);
      else c.interimParked = true;
    }
  }

  private emitInterim(c: Connection, now: number): void {
    c.lastInterimTs = now;
    this.interims.push(c);
    this.onRecord(this.record(c, true));
  }

  private finish(conn: Connection, interim: boolean): void {
    this.unlink(conn);
    // Remove from its hash chain.
    const slot = conn.hash & this.mask;
    const first = this.buckets[slot]!;
    if (first === conn) {
      this.buckets[slot] = conn.chainNext;
    } else {
      let c = first;
      while (c.chainNext && c.chainNext !== conn) c = c.chainNext;
      c.chainNext = conn.chainNext;
    }
    conn.chainNext = null;
    this.size--;
    this.stats.open = this.size;
    const record = this.record(conn, interim);
    // Ids start at 1: 0 marks the connection ended, so its entry in the interim queue is dropped.
    conn.id = 0;
    if (this.pool.length < 4096) this.pool.push(conn);
    this.onRecord(record);
  }

  private record(c: Connection, interim: boolean): ConnRecord {
    const v6 = c.ipVersion === 6;
    const duration = c.lastTs - c.startTs;
    let origBytes: number;
    let respBytes: number;
    let connState: string;
    let missed = 0;
    if (c.protocol === TCP) {
      origBytes = c.orig.size(c.resp);
      respBytes = c.resp.size(c.orig);
      connState = tcpConnState(c.orig, c.resp, c.history);
      missed = c.orig.missed(c.resp) + c.resp.missed(c.orig);
    } else {
      origBytes = c.origPayload;
      respBytes = c.respPayload;
      connState = c.protocol === UDP ? (c.respPkts > 0 ? 'SF' : 'S0') : 'OTH';
    }
    // Zeek leaves duration and sizes unset for a connection that lasted no time (one packet, or a burst).
    const timed = duration > 0;
    const record: ConnRecord = {
      ts: c.startTs,
      uid: `C${c.id.toString(36)}`,
      origH: v6 ? formatIpv6([c.o0, c.o1, c.o2, c.o3]) : formatIpv4(c.o0),
      origP: c.origPort,
      respH: v6 ? formatIpv6([c.r0, c.r1, c.r2, c.r3]) : formatIpv4(c.r0),
      respP: c.respPort,
      proto: c.protocol === TCP ? 'tcp' : c.protocol === UDP ? 'udp' : 'icmp',
      service: serviceForPort(c.protocol, c.respPort),
      duration: timed ? duration : null,
      origBytes: timed ? origBytes : null,
      respBytes: timed ? respBytes : null,
      connState,
      history: c.history,
      missedBytes: missed,
      origPkts: c.origPkts,
      origIpBytes: c.origIpBytes,
      respPkts: c.respPkts,
      respIpBytes: c.respIpBytes,
      wrongFragments: c.wrongFragments,
      urgentPackets: c.urgentPackets,
    };
    return interim ? { ...record, interim: true } : record;
  }
}
