import { TcpEndpoint } from './tcp-endpoint.js';

/** Which expiry list a connection sits in (each list is ordered by last activity). */
export const enum ListId {
  Tcp = 0,
  Udp = 1,
  Icmp = 2,
  /** TCP connections closed by both sides or reset: they expire after the short close delay. */
  Closing = 3,
}

/** The endpoints of a connection object that has not carried TCP (see Connection.orig). */
const NO_ENDPOINT = new TcpEndpoint();

/**
 * One open connection in the meter's table. Addresses are numbers (IPv4 in o0/r0; IPv6 as four words), so
 * a packet is matched without building a key string; text is made once, when the record is emitted.
 */
export class Connection {
  /** Hash-chain successor (same table slot). */
  chainNext: Connection | null = null;
  /** Neighbours in the expiry list. */
  listPrev: Connection | null = null;
  listNext: Connection | null = null;
  list: ListId = ListId.Tcp;

  o0 = 0;
  o1 = 0;
  o2 = 0;
  o3 = 0;
  r0 = 0;
  r1 = 0;
  r2 = 0;
  r3 = 0;
  origPort = 0;
  respPort = 0;

  startTs = 0;
  lastTs = 0;
  /** Packet time when the connection was (re)queued in its expiry list. */
  queuedTs = 0;
  lastInterimTs = 0;
  /**
   * Out of the interim queue: it came due without a packet since its last interim record; its next packet
   * brings its next one (see ConnectionMeter.takeDueInterims).
   */
  interimParked = false;
  origPkts = 0;
  respPkts = 0;
  origIpBytes = 0;
  respIpBytes = 0;
  /** UDP and ICMP payload bytes (TCP sizes come from the endpoints). */
  origPayload = 0;
  respPayload = 0;
  wrongFragments = 0;
  urgentPackets = 0;
  history = '';
  /** History letters already recorded, one bit per letter and side (see `addHistory`). */
  historySeen = 0;
  /**
   * TCP endpoints, allocated when the object first carries a TCP connection (and kept when it is recycled).
   * Until then both are the shared NO_ENDPOINT, which nothing reads or writes: the meter touches endpoints
   * only for protocol 6. Two endpoints are ≈ 290 of the ≈ 670 heap bytes of an open connection, and a
   * gateway's open table is mostly UDP (watch at 20 k packets/s: ≈ 66,700 UDP flows open).
   */
  orig: TcpEndpoint = NO_ENDPOINT;
  resp: TcpEndpoint = NO_ENDPOINT;
  hash = 0;
  id = 0;
  protocol = 0;
  ipVersion: 4 | 6 = 4;

  /** Makes a finished (or new) object a fresh connection: the meter recycles them to spare the GC. */
  reset(hash: number, id: number, protocol: number, ipVersion: 4 | 6): void {
    this.hash = hash;
    this.id = id;
    this.protocol = protocol;
    this.ipVersion = ipVersion;
    this.chainNext = this.listPrev = this.listNext = null;
    this.o0 = this.o1 = this.o2 = this.o3 = this.r0 = this.r1 = this.r2 = this.r3 = 0;
    this.origPort = this.respPort = 0;
    this.startTs = this.lastTs = this.queuedTs = this.lastInterimTs = 0;
    this.interimParked = false;
    this.origPkts = this.respPkts = this.origIpBytes = this.respIpBytes = 0;
    this.origPayload = this.respPayload = this.wrongFragments = this.urgentPackets = 0;
    this.history = '';
    this.historySeen = 0;
    if (protocol === 6) {
      if (this.orig === NO_ENDPOINT) {
        this.orig = new TcpEndpoint();
        this.resp = new TcpEndpoint();
      } else {
        this.orig.reset();
        this.resp.reset();
      }
    }
  }

  /**
   * Appends a history letter once per side (`letter` upper case; lower-cased for the responder).
   * `bit` is the letter's slot (0–15); the responder's slots are 16–31.
   */
  addHistory(bit: number, letter: string, isOrig: boolean): void {
    const mask = 1 << (isOrig ? bit : bit + 16);
    if (this.historySeen & mask) return;
    this.historySeen |= mask;
    this.history += isOrig ? letter : letter.toLowerCase();
  }
}
