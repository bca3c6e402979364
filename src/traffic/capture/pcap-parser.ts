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

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/**
 * Classic libpcap files: magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds), in either byte order.
 * A record whose captured length exceeds the snap length (but is still plausible) is skipped and counted;
 * a length beyond any real frame means the file is corrupt from there on and reading stops with an error.
 */
export class PcapParser implements CaptureParser {
  private readonly joiner = new ChunkJoiner();
  private readonly frame = newRawFrame();
  private headerRead = false;
  private littleEndian = true;
  /** Fraction units per second: 1e6 (microsecond magic) or 1e9 (nanosecond magic). */
  private fractionUnits = 1e6;
  private snapLength = 0;
  private linkType = 0;
  framesRead = 0;

  constructor(
    private readonly sink: FrameSink,
    private readonly skips: SkipTally,
    private readonly file = 'capture',
  ) {}

  push(chunk: Uint8Array): void {
    const b = this.joiner.next(chunk);
    let at = 0;
    if (!this.headerRead) {
      if (b.length < FILE_HEADER) {
        this.joiner.keep(b, 0);
        return;
      }
      this.readFileHeader(b);
      at = FILE_HEADER;
    }
    const le = this.littleEndian;
    const frame = this.frame;
    while (b.length - at >= RECORD_HEADER) {
      const captured = u32(b, at + 8, le);
      const index = this.framesRead + 1;
      const offset = this.joiner.offset + at;
      if (captured > MAX_FRAME_LENGTH) {
        throw new IotIdsError(
          `pcap record claims ${captured} captured bytes (more than any frame, ${MAX_FRAME_LENGTH}): ` +
            `the file is corrupt from ${framePosition(index, offset)} on`,
          { location: { file: this.file, field: 'incl_len' } },
        );
      }
      if (b.length - at < RECORD_HEADER + captured) break;
      this.framesRead = index;
      if (this.snapLength > 0 && captured > this.snapLength) {
        this.skips.add('captured length over snap length', framePosition(index, offset));
      } else {
        frame.index = index;
        frame.byteOffset = offset;
        // Same arithmetic as the pcapng reader (seconds + fraction / units), so both give identical doubles.
        frame.ts = u32(b, at, le) + u32(b, at + 4, le) / this.fractionUnits;
        frame.capturedLength = captured;
        frame.wireLength = Math.max(u32(b, at + 12, le), captured);
        frame.linkType = this.linkType;
        frame.bytes = b;
        frame.start = at + RECORD_HEADER;
        this.sink(frame);
      }
      at += RECORD_HEADER + captured;
    }
    this.joiner.keep(b, at);
  }

  end(): void {
    const pending = this.joiner.pending;
    if (!this.headerRead) {
      throw new IotIdsError(
        pending === 0
          ? 'empty capture (no pcap file header)'
          : `truncated pcap file header (${pending} of ${FILE_HEADER} bytes)`,
        { location: { file: this.file } },
      );
    }
    if (pending > 0) {
      const index = this.framesRead + 1;
      this.framesRead = index;
      this.skips.add(
        pending < RECORD_HEADER ? 'truncated record header' : 'truncated record data',
        framePosition(index, this.joiner.offset),
      );
    }
  }

  private readFileHeader(b: Uint8Array): void {
    const magicLe = u32(b, 0, true);
    if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) this.littleEndian = true;
    else if (magicLe === 0xd4c3b2a1 || magicLe === 0x4d3cb2a1) this.littleEndian = false;
    else {
      throw new IotIdsError(`not a pcap file (magic ${magicLe.toString(16).padStart(8, '0')})`, {
        location: { file: this.file, field: 'magic' },
      });
    }
    const magic = u32(b, 0, this.littleEndian);
    this.fractionUnits = magic === 0xa1b23c4d ? 1e9 : 1e6;
    const major = u16(b, 4, this.littleEndian);
    if (major !== 2) {
      throw new IotIdsError(`unsupported pcap version ${major}`, {
        location: { file: this.file, field: 'version_major' },
      });
    }
    this.snapLength = u32(b, 16, this.littleEndian);
    // The upper bits of the link-type field carry FCS information (pcap-savefile(5)).
    this.linkType = u32(b, 20, this.littleEndian) & 0x0fffffff;
    this.headerRead = true;
  }
}
