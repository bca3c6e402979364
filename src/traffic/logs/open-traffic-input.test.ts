import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openTrafficInput } from './open-traffic-input.js';
import { FormatProbe } from './traffic-format.js';

/** A pcap global header (little-endian, microseconds, Ethernet). */
function pcapHeader(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16);
  b.writeUInt32LE(1, 20);
  return b;
}

describe('FormatProbe', () => {
  it('is decided by a capture magic, even split over chunks', () => {
    const probe = new FormatProbe();
    const header = pcapHeader();
    expect(probe.feed(header.subarray(0, 2))).toBe(false);
    expect(probe.feed(header.subarray(2, 3))).toBe(false);
    expect(probe.feed(header.subarray(3))).toBe(true);
  });

  it('is decided by the end of the first non-blank text line, not before', () => {
    const probe = new FormatProbe();
    expect(probe.feed(Buffer.from('\n  \n{"ts": 1, "id.orig_h"'))).toBe(false);
    expect(probe.feed(Buffer.from(': "10.0.0.1"}'))).toBe(false);
    expect(probe.feed(Buffer.from('\n'))).toBe(true);
  });
});

describe('openTrafficInput on a live stream', () => {
  it('settles the format of a quiet capture stream from its header, without waiting for more bytes', async () => {
    const stream = new PassThrough();
    stream.write(pcapHeader());
    // The stream stays open, as a quiet gateway's tcpdump pipe does.
    const opened = await openTrafficInput(stream);
    expect(opened.format).toBe('pcap');
    stream.end();
  });

  it('settles a Zeek JSON pipe after its first line', async () => {
    const stream = new PassThrough();
    stream.write('{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2"}\n');
    const opened = await openTrafficInput(stream);
    expect(opened.format).toBe('zeek-json');
    stream.end();
    const chunks: Buffer[] = [];
    for await (const chunk of opened.chunks) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toContain('"uid":"C1"');
  });
});
