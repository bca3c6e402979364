/**
 * Builds small pcap and pcapng files in memory so tests make their own fixtures (never for production
 * output). Every frame is written whole unless `capturedLength` says otherwise.
 */
export interface FixtureFrame {
  /** Seconds since the epoch (fractional). */
  ts: number;
  bytes: Uint8Array;
  /** Wire length when the frame was cut by a snap length (default: bytes.length). */
  wireLength?: number;
  /** pcapng only: which interface (default 0). */
  interfaceId?: number;
}

export interface PcapOptions {
  linkType?: number;
  nanoseconds?: boolean;
  bigEndian?: boolean;
  snapLength?: number;
}

export function writePcap(frames: FixtureFrame[], options: PcapOptions = {}): Buffer {
  const le = !options.bigEndian;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const w16 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  w32(header, options.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(header, 2, 4);
  w16(header, 4, 6);
  w32(header, options.snapLength ?? 262144, 16);
  w32(header, options.linkType ?? 1, 20);
  parts.push(header);
  const scale = options.nanoseconds ? 1e9 : 1e6;
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    const sec = Math.floor(f.ts);
    w32(rec, sec, 0);
    w32(rec, Math.round((f.ts - sec) * scale), 4);
    w32(rec, f.bytes.length, 8);
    w32(rec, f.wireLength ?? f.bytes.length, 12);
    parts.push(rec, Buffer.from(f.bytes));
  }
  return Buffer.concat(parts);
}

export interface PcapngInterface {
  linkType: number;
  snapLength?: number;
  /** if_tsresol byte (default: none, i.e. microseconds). */
  tsresol?: number;
}

export interface PcapngOptions {
  bigEndian?: boolean;
  interfaces?: PcapngInterface[];
  /** Use simple packet blocks (interface 0, no timestamps) instead of enhanced ones. */
  simple?: boolean;
  /** Insert a block of an unknown type after the interface blocks. */
  unknownBlock?: boolean;
}

function unitsPerSecond(tsresol: number | undefined): number {
  if (tsresol === undefined) return 1e6;
  return tsresol & 0x80 ? 2 ** (tsresol & 0x7f) : 10 ** tsresol;
}

export function pcapngBlock(type: number, body: Buffer, le: boolean): Buffer {
  const padded = Buffer.alloc((body.length + 3) & ~3);
  body.copy(padded);
  const total = 12 + padded.length;
  const b = Buffer.alloc(total);
  const w32 = (v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  w32(type, 0);
  w32(total, 4);
  padded.copy(b, 8);
  w32(total, total - 4);
  return b;
}

export function writePcapng(frames: FixtureFrame[], options: PcapngOptions = {}): Buffer {
  const le = !options.bigEndian;
  const mk = (n: number) => Buffer.alloc(n);
  const w32 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const w16 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const parts: Buffer[] = [];
  const shb = mk(16);
  w32(shb, 0x1a2b3c4d, 0);
  w16(shb, 1, 4);
  w16(shb, 0, 6);
  shb.fill(0xff, 8, 16); // section length unknown
  parts.push(pcapngBlock(0x0a0d0d0a, shb, le));
  const interfaces = options.interfaces ?? [{ linkType: 1 }];
  for (const iface of interfaces) {
    const opts: Buffer[] = [];
    if (iface.tsresol !== undefined) {
      const o = mk(8);
      w16(o, 9, 0);
      w16(o, 1, 2);
      o[4] = iface.tsresol;
      opts.push(o, mk(4)); // opt_endofopt
    }
    const idb = mk(8);
    w16(idb, iface.linkType, 0);
    w32(idb, iface.snapLength ?? 0, 4);
    parts.push(pcapngBlock(1, Buffer.concat([idb, ...opts]), le));
  }
  if (options.unknownBlock) parts.push(pcapngBlock(0x0badf00d, Buffer.from('ignore me'), le));
  for (const f of frames) {
    if (options.simple) {
      const h = mk(4);
      w32(h, f.wireLength ?? f.bytes.length, 0);
      parts.push(pcapngBlock(3, Buffer.concat([h, Buffer.from(f.bytes)]), le));
      continue;
    }
    const ifId = f.interfaceId ?? 0;
    const units =
      (BigInt(Math.round(f.ts * 1e6)) * BigInt(unitsPerSecond(interfaces[ifId]?.tsresol))) / 1_000_000n;
    const h = mk(20);
    w32(h, ifId, 0);
    w32(h, Number(units >> 32n), 4);
    w32(h, Number(units & 0xffffffffn), 8);
    w32(h, f.bytes.length, 12);
    w32(h, f.wireLength ?? f.bytes.length, 16);
    parts.push(pcapngBlock(6, Buffer.concat([h, Buffer.from(f.bytes)]), le));
  }
  return Buffer.concat(parts);
}
