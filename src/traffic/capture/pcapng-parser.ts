import { IotIdsError } from '../../errors.js';
import type { SkipTally } from '../conn-record.js';
import { u16, u32 } from './bytes.js';
import { ChunkJoiner } from './chunk-joiner.js';
import {
  framePosition,
  MAX_FRAME_LENGTH,
  newRawFrame,
  type CaptureParser,
  type FrameSink,
} from './raw-frame.js';

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Blocks larger than this are taken as a corrupt length (a packet block is at most a frame plus options). */
const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp units per second (if_tsresol; default microseconds). */
  unitsPerSecond: number;
  /** if_tsoffset: seconds added to every timestamp. */
  offsetSeconds: number;
}

/**
 * pcapng (draft-ietf-opsawg-pcapng): sections in either byte order, any number of interfaces each with its
 * own link type and timestamp resolution, enhanced, simple and (obsolete) packet blocks; other blocks are
 * skipped and counted in `blocksSkipped`. A block whose length fields are impossible ends reading with an
 * error (the following bytes cannot be framed); a packet block that is wrong inside an intact block is
 * skipped and counted with its position.
 */
export class PcapngParser implements CaptureParser {
  private readonly joiner = new ChunkJoiner();
  private readonly frame = newRawFrame();
  private littleEndian = true;
  private inSection = false;
  private interfaces: Interface[] = [];
  private lastTs = 0;
  framesRead = 0;
  blocksSkipped = 0;

  constructor(
    private readonly sink: FrameSink,
    private readonly skips: SkipTally,
    private readonly file = 'capture',
  ) {}

  push(chunk: Uint8Array): void {
    const b = this.joiner.next(chunk);
    let at = 0;
    while (b.length - at >= 12) {
      const offset = this.joiner.offset + at;
      let type = u32(b, at, this.littleEndian);
      if (type === SHB) {
        // The byte order of a section is only known from its own header.
        const bom = u32(b, at + 8, true);
        if (bom === BYTE_ORDER_MAGIC) this.littleEndian = true;
        else if (bom === 0x4d3c2b1a) this.littleEndian = false;
        else this.fail(`bad byte-order magic ${bom.toString(16)} in section header`, offset);
        type = SHB;
      } else if (!this.inSection) {
        this.fail(
          offset === 0
            ? `not a pcapng file (first block type ${type.toString(16)})`
            : 'block before any section header',
          offset,
        );
      }
      const length = u32(b, at + 4, this.littleEndian);
      if (length < 12 || length % 4 !== 0 || length > MAX_BLOCK_LENGTH) {
        this.fail(`impossible block length ${length} (block type ${type.toString(16)})`, offset);
      }
      if (b.length - at < length) break;
      if (u32(b, at + length - 4, this.littleEndian) !== length) {
        this.fail(`block length ${length} does not match its trailing copy`, offset);
      }
      this.block(b, at, type, length, offset);
      at += length;
    }
    this.joiner.keep(b, at);
  }

  end(): void {
    const pending = this.joiner.pending;
    if (this.joiner.offset === 0 && pending === 0) {
      throw new IotIdsError('empty capture (no pcapng section header)', { location: { file: this.file } });
    }
    if (!this.inSection) {
      this.fail(`truncated pcapng section header (${pending} bytes)`, 0);
    }
    if (pending > 0) {
      // A cut-off block may or may not have been a packet: it is counted as one truncated frame.
      const index = this.framesRead + 1;
      this.framesRead = index;
      this.skips.add('truncated block', framePosition(index, this.joiner.offset));
    }
  }

  private block(b: Uint8Array, at: number, type: number, length: number, offset: number): void {
    const le = this.littleEndian;
    switch (type) {
      case SHB: {
        const major = u16(b, at + 12, le);
        if (length < 28 || major !== 1) this.fail(`unsupported section header (version ${major})`, offset);
        this.inSection = true;
        this.interfaces = [];
        return;
      }
      case IDB:
        if (length < 20) this.fail('interface description block shorter than 20 bytes', offset);
        this.interfaces.push(this.readInterface(b, at, length));
        return;
      case EPB:
      case OPB: {
        const index = ++this.framesRead;
        if (length < 32) {
          this.skips.add('packet block shorter than its header', framePosition(index, offset));
          return;
        }
        const ifId = type === EPB ? u32(b, at + 8, le) : u16(b, at + 8, le);
        const captured = u32(b, at + 20, le);
        const wire = u32(b, at + 24, le);
        const iface = this.interfaces[ifId];
        if (!iface) {
          this.skips.add('packet on an undeclared interface', framePosition(index, offset));
          return;
        }
        if (captured > length - 32 || captured > MAX_FRAME_LENGTH) {
          this.skips.add('captured length past the block', framePosition(index, offset));
          return;
        }
        if (iface.snapLength > 0 && captured > iface.snapLength) {
          this.skips.add('captured length over snap length', framePosition(index, offset));
          return;
        }
        const hi = u32(b, at + 12, le);
        const lo = u32(b, at + 16, le);
        const ts = timestampSeconds(hi, lo, iface.unitsPerSecond) + iface.offsetSeconds;
        this.emit(b, at + 28, captured, Math.max(wire, captured), ts, iface.linkType, index, offset);
        return;
      }
      case SPB: {
        const index = ++this.framesRead;
        const iface = this.interfaces[0];
        if (!iface || length < 16) {
          this.skips.add(
            iface ? 'packet block shorter than its header' : 'packet on an undeclared interface',
            framePosition(index, offset),
          );
          return;
        }
        const wire = u32(b, at + 8, le);
        let captured = Math.min(wire, length - 16);
        if (iface.snapLength > 0) captured = Math.min(captured, iface.snapLength);
        // A simple packet block has no timestamp: it gets the last one seen (tshark shows none).
        this.emit(b, at + 12, captured, wire, this.lastTs, iface.linkType, index, offset);
        return;
      }
      default:
        this.blocksSkipped++;
    }
  }

  private emit(
    b: Uint8Array,
    start: number,
    captured: number,
    wire: number,
    ts: number,
    linkType: number,
    index: number,
    offset: number,
  ): void {
    const frame = this.frame;
    frame.index = index;
    frame.byteOffset = offset;
    frame.ts = ts;
    frame.linkType = linkType;
    frame.bytes = b;
    frame.start = start;
    frame.capturedLength = captured;
    frame.wireLength = wire;
    this.lastTs = ts;
    this.sink(frame);
  }

  private readInterface(b: Uint8Array, at: number, length: number): Interface {
    const le = this.littleEndian;
    const iface: Interface = {
      linkType: u16(b, at + 8, le),
      snapLength: u32(b, at + 12, le),
      unitsPerSecond: 1e6,
      offsetSeconds: 0,
    };
    let o = at + 16;
    const end = at + length - 4;
    while (o + 4 <= end) {
      const code = u16(b, o, le);
      const len = u16(b, o + 2, le);
      if (code === 0 || o + 4 + len > end) break;
      if (code === 9 && len >= 1) {
        const r = b[o + 4];
        // High bit clear: 10^-r seconds; set: 2^-r seconds.
        const exp = r & 0x7f;
        iface.unitsPerSecond = r & 0x80 ? 2 ** exp : 10 ** exp;
        if (!(iface.unitsPerSecond > 0 && Number.isFinite(iface.unitsPerSecond))) iface.unitsPerSecond = 1e6;
      } else if (code === 14 && len >= 8) {
        const hi = u32(b, o + 4 + (le ? 4 : 0), le) | 0;
        const lo = u32(b, o + 4 + (le ? 0 : 4), le);
        iface.offsetSeconds = hi * 4294967296 + lo;
      }
      o += 4 + ((len + 3) & ~3);
    }
    return iface;
  }

  private fail(message: string, offset: number): never {
    throw new IotIdsError(`${message} at byte ${offset}`, { location: { file: this.file } });
  }
}

/**
 * Seconds from a 64-bit count of `units` per second, computed as whole seconds + fraction / units (the way
 * pcap's seconds + microseconds are), so a capture converted between the formats keeps identical times.
 */
export function timestampSeconds(hi: number, lo: number, units: number): number {
  let sec: number;
  let frac: number;
  if (hi < 0x200000) {
    const total = hi * 4294967296 + lo; // below 2^53: exact
    sec = Math.floor(total / units);
    frac = total - sec * units;
    if (frac < 0) {
      sec--;
      frac += units;
    } else if (frac >= units) {
      sec++;
      frac -= units;
    }
  } else {
    // Nanosecond (or finer) counts pass 2^53: exact integer arithmetic.
    const total = (BigInt(hi) << 32n) | BigInt(lo);
    const u = BigInt(units);
    sec = Number(total / u);
    frac = Number(total % u);
  }
  return sec + frac / units;
}
