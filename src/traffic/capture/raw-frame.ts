/**
 * One captured frame as a capture reader hands it on, before any header is decoded. The reader reuses one
 * object for every frame and `bytes` points into its current input chunk: copy what you keep.
 */
export interface RawFrame {
  /** 1-based frame number (as tshark counts: packet records only, not other pcapng blocks). */
  index: number;
  /** Byte offset of the record (pcap) or block (pcapng) in the uncompressed input. */
  byteOffset: number;
  /** Seconds since the Unix epoch (fractional). */
  ts: number;
  /** LINKTYPE_ value of the frame's interface. */
  linkType: number;
  bytes: Uint8Array;
  /** Where the frame starts in `bytes`. */
  start: number;
  capturedLength: number;
  wireLength: number;
}

export type FrameSink = (frame: RawFrame) => void;

export function newRawFrame(): RawFrame {
  return {
    index: 0,
    byteOffset: 0,
    ts: 0,
    linkType: 0,
    bytes: new Uint8Array(0),
    start: 0,
    capturedLength: 0,
    wireLength: 0,
  };
}

/** The position of a frame in error messages and skip tallies: `frame 12 (byte 3456)`. */
export function framePosition(index: number, byteOffset: number): string {
  return `frame ${index} (byte ${byteOffset})`;
}

/**
 * Frames longer than this are taken as a corrupt length field, not a packet (Wireshark's limit for
 * ordinary link types is the same 256 KiB): reading stops with an error instead of buffering gigabytes.
 */
export const MAX_FRAME_LENGTH = 262_144;

/** A push parser for one capture format: chunks in any sizes, frames out through the sink. */
export interface CaptureParser {
  push(chunk: Uint8Array): void;
  /** End of input: reports a truncated last record (counted) or a truncated file header (thrown). */
  end(): void;
  readonly framesRead: number;
}
