import type { Readable } from 'node:stream';
import { readCapture, type CaptureSummary, type ReadCaptureOptions } from './capture/read-capture.js';
import { SkipTally } from './conn-record.js';
import { decodeFrame } from './decode/decode-frame.js';
import { DecodedPacket } from './decode/decoded-packet.js';

export interface ReadPacketsOptions extends ReadCaptureOptions {
  /** Called for every IP or ARP packet with the one reused view (copy what you keep). */
  onPacket: (packet: DecodedPacket) => void;
  /** Where skipped frames are counted (a new tally when absent; returned in the summary either way). */
  skips?: SkipTally;
}

export interface ReadPacketsSummary extends CaptureSummary {
  /** Frames decoded into a view and handed to `onPacket`. */
  decoded: number;
  /** Frames skipped by the reader or the decoder, by reason with positions. */
  skips: SkipTally;
}

/** Capture bytes → frames → decoded packets, one callback per packet: the packet path's entrance. */
export async function readPackets(
  readable: Readable | AsyncIterable<Uint8Array | string>,
  options: ReadPacketsOptions,
): Promise<ReadPacketsSummary> {
  const skips = options.skips ?? new SkipTally();
  const view = new DecodedPacket();
  const onPacket = options.onPacket;
  let decoded = 0;
  const summary = await readCapture(
    readable,
    (frame) => {
      if (decodeFrame(frame, view, skips)) {
        decoded++;
        onPacket(view);
      }
    },
    skips,
    options,
  );
  return { ...summary, decoded, skips };
}
