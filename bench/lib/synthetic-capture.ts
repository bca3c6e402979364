/**
 * A synthetic pcap stream of a realistic traffic mix, generated chunk by chunk in memory (never a file):
 * about 70 % of sessions are TCP (handshake, a few data segments each way, FIN exchange), 25 % DNS-like UDP
 * query/response pairs and 5 % ICMP echo pairs, 2,000 sessions interleaved at a time, one packet every 100 µs (10 k packets/s of capture time, a busy
 * gateway: connections then expire as they would live, so the open table stays the size of real traffic's). Frames are
 * captured with a 128-byte snap length (headers only, as an IDS sensor would) but carry their real wire
 * lengths. Deterministic (fixed-seed xorshift).
 */
const SNAP = 128;
const CHUNK = 1 << 20;

interface Session {
  kind: 0 | 1 | 2; // tcp, udp, icmp
  client: number;
  server: number;
  cport: number;
  sport: number;
  step: number;
  steps: number;
  cseq: number;
  sseq: number;
}

function writeU32(b: Buffer, v: number, at: number, le: boolean): void {
  if (le) b.writeUInt32LE(v >>> 0, at);
  else b.writeUInt32BE(v >>> 0, at);
}

export function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(SNAP, 16);
  h.writeUInt32LE(1, 20);
  return h;
}

export function* syntheticCapture(packets: number): Generator<Buffer> {
  yield pcapHeader();
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const active: Session[] = [];
  const newSession = (): Session => {
    const r = rand();
    const kind = r < 0.7 ? 0 : r < 0.95 ? 1 : 2;
    return {
      kind,
      client: (0x0a000000 | Math.floor(rand() * 65536)) >>> 0,
      server: (0xc0a80000 | Math.floor(rand() * 4096)) >>> 0,
      cport: 1024 + Math.floor(rand() * 60000),
      sport: kind === 0 ? (rand() < 0.5 ? 443 : 80) : 53,
      step: 0,
      steps: kind === 0 ? 7 + Math.floor(rand() * 10) : 2,
      cseq: Math.floor(rand() * 4294967295),
      sseq: Math.floor(rand() * 4294967295),
    };
  };
  for (let i = 0; i < 2000; i++) active.push(newSession());
  let sent = 0;
  let usec = 0;
  let sec = 1_700_000_000;
  while (sent < packets) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let at = 0;
    while (sent < packets && at + 16 + SNAP <= CHUNK) {
      const slot = Math.floor(rand() * active.length);
      const s = active[slot];
      at = writePacket(chunk, at, s, sec, usec, rand);
      sent++;
      usec += 100;
      if (usec >= 1_000_000) {
        usec -= 1_000_000;
        sec++;
      }
      if (++s.step >= s.steps) active[slot] = newSession();
    }
    yield chunk.subarray(0, at);
  }
}

/** Writes one record for the session's current step; returns the next offset. */
function writePacket(
  b: Buffer,
  at: number,
  s: Session,
  sec: number,
  usec: number,
  rand: () => number,
): number {
  const last = s.steps - 1;
  let fromClient: boolean;
  let payload = 0;
  let flags = 0x10;
  if (s.kind === 0) {
    const step = s.step;
    if (step === 0) {
      fromClient = true;
      flags = 0x02;
    } else if (step === 1) {
      fromClient = false;
      flags = 0x12;
    } else if (step === last - 2) {
      fromClient = true;
      flags = 0x11;
    } else if (step === last - 1) {
      fromClient = false;
      flags = 0x11;
    } else if (step === last) {
      fromClient = true;
    } else {
      fromClient = step % 2 === 0;
      payload = step === 2 ? 0 : Math.floor(rand() * 1400);
      if (payload > 0) flags = 0x18;
    }
  } else {
    fromClient = s.step === 0;
    payload = s.kind === 1 ? (fromClient ? 40 : 120) : 56;
  }
  const transportHeader = s.kind === 0 ? 20 : 8;
  const ipLength = 20 + transportHeader + payload;
  const wire = 14 + ipLength;
  const captured = Math.min(wire, SNAP);
  writeU32(b, sec, at, true);
  writeU32(b, usec, at + 4, true);
  writeU32(b, captured, at + 8, true);
  writeU32(b, wire, at + 12, true);
  const f = at + 16;
  // Ethernet
  b.writeUInt32BE(0x02000000, f);
  b.writeUInt16BE(fromClient ? 2 : 1, f + 4);
  b.writeUInt32BE(0x02000000, f + 6);
  b.writeUInt16BE(fromClient ? 1 : 2, f + 10);
  b.writeUInt16BE(0x0800, f + 12);
  // IPv4
  const ip = f + 14;
  b.writeUInt32BE((0x45000000 | ipLength) >>> 0, ip);
  b.writeUInt32BE(0x00014000, ip + 4);
  b[ip + 8] = 64;
  b[ip + 9] = s.kind === 0 ? 6 : s.kind === 1 ? 17 : 1;
  b.writeUInt16BE(0, ip + 10);
  writeU32(b, fromClient ? s.client : s.server, ip + 12, false);
  writeU32(b, fromClient ? s.server : s.client, ip + 16, false);
  const t = ip + 20;
  if (s.kind === 0) {
    b.writeUInt16BE(fromClient ? s.cport : s.sport, t);
    b.writeUInt16BE(fromClient ? s.sport : s.cport, t + 2);
    const syn = (flags & 0x02) !== 0;
    const fin = (flags & 0x01) !== 0;
    writeU32(b, fromClient ? s.cseq : s.sseq, t + 4, false);
    writeU32(b, fromClient ? s.sseq : s.cseq, t + 8, false);
    b.writeUInt16BE(0x5000 | flags, t + 12);
    b.writeUInt32BE(0xffff0000, t + 14);
    b.writeUInt16BE(0, t + 18);
    const advance = payload + (syn || fin ? 1 : 0);
    if (fromClient) s.cseq = (s.cseq + advance) >>> 0;
    else s.sseq = (s.sseq + advance) >>> 0;
  } else if (s.kind === 1) {
    b.writeUInt16BE(fromClient ? s.cport : s.sport, t);
    b.writeUInt16BE(fromClient ? s.sport : s.cport, t + 2);
    b.writeUInt16BE(8 + payload, t + 4);
    b.writeUInt16BE(0, t + 6);
  } else {
    b[t] = fromClient ? 8 : 0;
    b[t + 1] = 0;
    b.writeUInt16BE(0, t + 2);
    b.writeUInt16BE(s.cport, t + 4);
    b.writeUInt16BE(1, t + 6);
  }
  // The rest of the captured bytes (payload) is left as it was: nothing reads it.
  return at + 16 + captured;
}
