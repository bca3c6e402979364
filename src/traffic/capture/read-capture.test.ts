import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { SkipTally } from '../conn-record.js';
import { writePcap, writePcapng, pcapngBlock, type FixtureFrame } from '../test-helpers/capture-writer.js';
import { detectCaptureFormat } from './detect-format.js';
import type { RawFrame } from './raw-frame.js';
import { readCapture } from './read-capture.js';

interface Seen {
  index: number;
  ts: number;
  linkType: number;
  bytes: number[];
  wire: number;
}

/** Feeds `data` in chunks of `chunk` bytes (every boundary position gets exercised by small sizes). */
async function read(data: Uint8Array, chunk = 1 << 16) {
  const seen: Seen[] = [];
  const skips = new SkipTally();
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) chunks.push(Buffer.from(data.subarray(i, i + chunk)));
  const summary = await readCapture(
    Readable.from(chunks),
    (f: RawFrame) =>
      seen.push({
        index: f.index,
        ts: f.ts,
        linkType: f.linkType,
        bytes: [...f.bytes.subarray(f.start, f.start + f.capturedLength)],
        wire: f.wireLength,
      }),
    skips,
    { file: 'fixture.pcap' },
  );
  return { seen, skips, summary };
}

const frames: FixtureFrame[] = [
  { ts: 1700000000.25, bytes: Uint8Array.from([1, 2, 3, 4, 5]) },
  { ts: 1700000001.5, bytes: Uint8Array.from([6, 7]), wireLength: 60 },
  { ts: 1700000002.000001, bytes: Uint8Array.from([8, 9, 10]) },
];

describe('pcap reader', () => {
  for (const bigEndian of [false, true]) {
    for (const nanoseconds of [false, true]) {
      it(`reads ${bigEndian ? 'big' : 'little'}-endian ${nanoseconds ? 'nano' : 'micro'}second files in any chunking`, async () => {
        const file = writePcap(frames, { bigEndian, nanoseconds, linkType: 113 });
        expect(detectCaptureFormat(file)).toBe('pcap');
        for (const chunk of [1, 3, 7, 17, 1 << 16]) {
          const { seen, skips, summary } = await read(file, chunk);
          expect(summary.format).toBe('pcap');
          expect(skips.total).toBe(0);
          expect(seen.map((s) => s.bytes)).toEqual([
            [1, 2, 3, 4, 5],
            [6, 7],
            [8, 9, 10],
          ]);
          expect(seen.map((s) => s.index)).toEqual([1, 2, 3]);
          expect(seen[1].wire).toBe(60);
          expect(seen[0].linkType).toBe(113);
          expect(seen[2].ts).toBeCloseTo(1700000002.000001, 6);
        }
      });
    }
  }

  it('reads gzip-compressed captures', async () => {
    const { seen, summary } = await read(gzipSync(writePcap(frames)), 5);
    expect(summary.gzip).toBe(true);
    expect(seen).toHaveLength(3);
  });

  it('reports a corrupt or truncated gzip stream as an IotIdsError', async () => {
    const gz = gzipSync(writePcap(frames));
    const corrupt = Buffer.from(gz);
    corrupt[20] ^= 0xff;
    for (const bad of [corrupt, gz.subarray(0, gz.length - 10)]) {
      const error = await read(bad, 7).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IotIdsError);
      expect((error as Error).message).toMatch(/fixture\.pcap/);
    }
  });

  it('reports an unreadable input (missing file) as an IotIdsError naming it', async () => {
    const missing = '/nonexistent/capture.pcap';
    await expect(
      readCapture(createReadStream(missing), () => {}, new SkipTally(), { file: missing }),
    ).rejects.toThrow(/\/nonexistent\/capture\.pcap: cannot read capture: ENOENT/);
  });

  it('counts a record cut short mid-header or mid-data with its position', async () => {
    const file = writePcap(frames);
    const midData = await read(file.subarray(0, file.length - 1));
    expect(midData.seen).toHaveLength(2);
    expect(midData.skips.counts()).toEqual({ 'truncated record data': 1 });
    expect(midData.skips.examples()['truncated record data']).toEqual(['frame 3 (byte 63)']);
    const midHeader = await read(file.subarray(0, 63 + 5));
    expect(midHeader.skips.counts()).toEqual({ 'truncated record header': 1 });
  });

  it('rejects wrong magic, a truncated file header and an empty input', async () => {
    await expect(read(Buffer.from('hello, this is not a capture file'))).rejects.toThrow(
      /fixture\.pcap: not a pcap or pcapng capture \(first bytes 68656c6c\)/,
    );
    await expect(read(writePcap([]).subarray(0, 10))).rejects.toThrow(
      /truncated pcap file header \(10 of 24/,
    );
    await expect(read(Buffer.alloc(0))).rejects.toThrow(/empty capture/);
  });

  it('skips a record over the snap length and stops with an error at an absurd (4 GB) length', async () => {
    const over = await read(writePcap(frames, { snapLength: 4 }));
    expect(over.seen.map((s) => s.index)).toEqual([2, 3]);
    expect(over.skips.examples()['captured length over snap length']).toEqual(['frame 1 (byte 24)']);
    const absurd = writePcap(frames);
    absurd.writeUInt32LE(0xffffffff, 24 + 16 + 5 + 8); // incl_len of frame 2
    const error = await read(absurd).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toMatch(/4294967295 captured bytes.*frame 2 \(byte 45\)/);
  });

  it('passes zero-length records on (the decoder counts them)', async () => {
    const { seen } = await read(writePcap([{ ts: 1, bytes: new Uint8Array(0) }]));
    expect(seen).toEqual([{ index: 1, ts: 1, linkType: 1, bytes: [], wire: 0 }]);
  });
});

describe('pcapng reader', () => {
  it('reads several interfaces with their own link types and timestamp resolutions, either byte order', async () => {
    const multi: FixtureFrame[] = [
      { ts: 1700000000.123456, bytes: Uint8Array.from([1]), interfaceId: 0 },
      { ts: 1700000000.5, bytes: Uint8Array.from([2, 2]), interfaceId: 1 },
      { ts: 1700000001.25, bytes: Uint8Array.from([3, 3, 3]), interfaceId: 2 },
    ];
    for (const bigEndian of [false, true]) {
      const file = writePcapng(multi, {
        bigEndian,
        unknownBlock: true,
        interfaces: [{ linkType: 1 }, { linkType: 101, tsresol: 9 }, { linkType: 276, tsresol: 0x80 | 10 }],
      });
      expect(detectCaptureFormat(file)).toBe('pcapng');
      for (const chunk of [1, 5, 64, 1 << 16]) {
        const { seen, skips, summary } = await read(file, chunk);
        expect(skips.total).toBe(0);
        expect(summary.blocksSkipped).toBe(1);
        expect(seen.map((s) => s.linkType)).toEqual([1, 101, 276]);
        expect(seen.map((s) => s.bytes)).toEqual([[1], [2, 2], [3, 3, 3]]);
        expect(seen[0].ts).toBeCloseTo(1700000000.123456, 6);
        expect(seen[1].ts).toBeCloseTo(1700000000.5, 6);
        expect(seen[2].ts).toBeCloseTo(1700000001.25, 2); // 1/1024 s units
      }
    }
  });

  it('reads simple packet blocks and a second section with the other byte order', async () => {
    const a = writePcapng([{ ts: 5, bytes: Uint8Array.from([1, 2, 3]) }], { simple: true });
    const b = writePcapng([{ ts: 7, bytes: Uint8Array.from([4]) }], { bigEndian: true });
    const { seen, skips } = await read(Buffer.concat([a, b]), 3);
    expect(skips.total).toBe(0);
    expect(seen.map((s) => [s.index, s.bytes])).toEqual([
      [1, [1, 2, 3]],
      [2, [4]],
    ]);
  });

  it('counts packet blocks on undeclared interfaces and captured lengths past the block', async () => {
    const file = writePcapng([
      { ts: 1, bytes: Uint8Array.from([1]), interfaceId: 3 },
      { ts: 2, bytes: Uint8Array.from([2, 2, 2, 2]) },
    ]);
    // Second EPB: claim 200 captured bytes inside a 36-byte block.
    const second = file.length - 36;
    file.writeUInt32LE(200, second + 20);
    const { seen, skips } = await read(file);
    expect(seen).toHaveLength(0);
    expect(skips.counts()).toEqual({
      'packet on an undeclared interface': 1,
      'captured length past the block': 1,
    });
  });

  it('rejects impossible and mismatched block lengths with the byte offset', async () => {
    const file = writePcapng([{ ts: 1, bytes: Uint8Array.from([1]) }]);
    const epb = file.length - 36;
    const bad = Buffer.from(file);
    bad.writeUInt32LE(0xfffffff0, epb + 4);
    await expect(read(bad)).rejects.toThrow(
      new RegExp(`impossible block length 4294967280 .* at byte ${epb}`),
    );
    const mismatch = Buffer.from(file);
    mismatch.writeUInt32LE(40, file.length - 4);
    await expect(read(mismatch)).rejects.toThrow(/does not match its trailing copy/);
    const odd = Buffer.from(file);
    odd.writeUInt32LE(13, epb + 4);
    await expect(read(odd)).rejects.toThrow(/impossible block length 13/);
  });

  it('counts a block cut short at the end', async () => {
    const file = writePcapng([
      { ts: 1, bytes: Uint8Array.from([1]) },
      { ts: 2, bytes: Uint8Array.from([2]) },
    ]);
    const { seen, skips } = await read(file.subarray(0, file.length - 3));
    expect(seen).toHaveLength(1);
    expect(skips.counts()).toEqual({ 'truncated block': 1 });
  });

  it('rejects a file whose first block is not a section header', async () => {
    const block = pcapngBlock(6, Buffer.alloc(20), true);
    await expect(read(Buffer.concat([Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]), block]))).rejects.toThrow(
      IotIdsError,
    );
  });
});
