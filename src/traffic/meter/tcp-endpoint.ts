/** TCP endpoint states, as Zeek names them (TCP_ENDPOINT_*). */
export const enum TcpState {
  Inactive = 0,
  SynSent = 1,
  SynAckSent = 2,
  Partial = 3,
  Established = 4,
  Closed = 5,
  Reset = 6,
}

/**
 * One side of a TCP connection: its state, and its sequence space relative to the first sequence number
 * seen (unwrapped, so connections past 4 GB still count right). Sizes follow Zeek: the highest sequence
 * number sent or acknowledged by the peer, minus the start, minus one octet each for SYN and FIN.
 */
export class TcpEndpoint {
  state = TcpState.Inactive;
  prevState = TcpState.Inactive;
  /** Whether `startSeq` is set (by this side's first packet, or the peer's first acknowledgement). */
  initialized = false;
  startSeq = 0;
  /** Last raw sequence number used to unwrap the next one. */
  private lastRaw = 0;
  private lastRel = 0;
  /** Highest relative sequence number sent (end of the segment, SYN and FIN octets included). */
  highSeq = 0;
  /** Highest relative sequence number the peer acknowledged. */
  highAck = 0;
  finSeen = false;
  /** Highest relative end of payload seen, and payload bytes seen (each byte once). */
  private dataEnd = 0;
  dataSeen = 0;
  /** Payload segments lying wholly inside payload already seen (Zeek's `T` history letter). */
  retransmissions = 0;

  /** Back to a never-seen endpoint (the object is recycled for another connection). */
  reset(): void {
    this.state = this.prevState = TcpState.Inactive;
    this.initialized = this.finSeen = false;
    this.startSeq = this.lastRaw = this.lastRel = 0;
    this.highSeq = this.highAck = this.dataEnd = this.dataSeen = this.retransmissions = 0;
    this.gaps = null;
  }

  setState(state: TcpState): void {
    this.prevState = this.state;
    this.state = state;
  }

  /** Starts the sequence space: at the SYN's number, or as though a SYN preceded `seq`. */
  init(seq: number, syn: boolean): void {
    this.initialized = true;
    this.startSeq = syn ? seq : (seq - 1) >>> 0;
    this.lastRaw = this.startSeq;
    this.lastRel = 0;
    this.highSeq = this.highAck = this.dataEnd = this.dataSeen = 0;
    this.gaps = null;
    // Data starts at relative 1: after the SYN octet, or where it would have been for a partial connection.
    this.dataEnd = 1;
  }

  /** Relative, unwrapped position of a raw sequence number near the last one seen. */
  relative(raw: number): number {
    const rel = this.lastRel + ((raw - this.lastRaw) | 0);
    this.lastRaw = raw;
    this.lastRel = rel;
    return rel;
  }

  /** A segment this side sent: `seq` raw, `len` payload bytes. Returns true for a retransmission. */
  sent(seq: number, len: number, syn: boolean, fin: boolean, rst: boolean): boolean {
    const rel = this.relative(seq);
    const dataStart = rel + (syn ? 1 : 0);
    // RST payload is not part of the stream (Zeek leaves it out of the sequence space too).
    const dataLen = rst ? 0 : len;
    const end = dataStart + dataLen + (fin ? 1 : 0);
    if (end > this.highSeq) this.highSeq = end;
    if (fin) this.finSeen = true;
    if (dataLen === 0) return false;
    const dataEnd = dataStart + dataLen;
    if (dataStart >= this.dataEnd) {
      if (dataStart > this.dataEnd) this.openGap(this.dataEnd, dataStart);
      this.dataSeen += dataLen;
      this.dataEnd = dataEnd;
      return false;
    }
    let fresh = 0;
    if (dataEnd > this.dataEnd) {
      fresh = dataEnd - this.dataEnd;
      this.dataSeen += fresh;
      this.dataEnd = dataEnd;
    }
    // The part below the highest data seen either fills a gap (late, out-of-order) or was seen before.
    const filled = this.fillGaps(dataStart, Math.min(dataEnd, this.dataEnd - fresh));
    this.dataSeen += filled;
    if (fresh === 0 && filled === 0) {
      this.retransmissions++;
      return true;
    }
    return false;
  }

  /** Unseen ranges below `dataEnd` as [start, end) pairs; at most 32 are tracked (the rest stay missed). */
  private gaps: number[] | null = null;

  private openGap(start: number, end: number): void {
    this.gaps ??= [];
    if (this.gaps.length < 64) this.gaps.push(start, end);
  }

  private fillGaps(start: number, end: number): number {
    const g = this.gaps;
    if (!g || end <= start) return 0;
    let filled = 0;
    for (let i = 0; i < g.length; i += 2) {
      const gs = g[i];
      const ge = g[i + 1];
      const lo = Math.max(gs, start);
      const hi = Math.min(ge, end);
      if (hi <= lo) continue;
      filled += hi - lo;
      // Keep what is left of the gap on either side of the filled part.
      const left: number[] = lo > gs ? [gs, lo] : [];
      const right: number[] = ge > hi ? [hi, ge] : [];
      g.splice(i, 2, ...left, ...right);
      i += left.length + right.length - 2;
    }
    return filled;
  }

  /** The peer acknowledged up to raw `ack`. Acks behind the start or wildly ahead are ignored. */
  acked(ack: number): void {
    const rel = this.lastRel + ((ack - this.lastRaw) | 0);
    if (rel > this.highAck && rel - this.highSeq < 1 << 30) this.highAck = rel;
  }

  /** Payload bytes by sequence numbers, as Zeek's conn.log reports them. */
  size(peer: TcpEndpoint): number {
    if (
      this.prevState === TcpState.SynSent &&
      this.state === TcpState.Reset &&
      peer.state === TcpState.Inactive &&
      this.highAck > 1
    ) {
      return 0;
    }
    let size = Math.max(this.highSeq, this.highAck);
    if (size > 0) size--;
    if (this.finSeen && size > 0) size--;
    return size;
  }

  /** Bytes inside the sequence range never seen in a packet (Zeek's missed_bytes, approximately). */
  missed(peer: TcpEndpoint): number {
    return Math.max(0, this.size(peer) - this.dataSeen);
  }
}
