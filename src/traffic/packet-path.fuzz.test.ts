/**
 * Fuzzing the packet path: seeds are the first few kilobytes of the shared captures (and pcapng
 * re-wrappings of them), or hand-built fixtures when the data is absent; 5,000+ mutants (bit flips,
 * truncations, corrupted record/block lengths, spliced records and blocks) are read in random chunkings.
 * Every input must either finish with every packet accounted for (metered + skipped = read, each skip
 * with a reason and a position) or stop with an IotIdsError — never another exception, never a hang
 * (each run is bounded by the input's size: no length field can make the reader wait for more bytes
 * than a frame's maximum).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { meterCapture } from './meter-capture.js';
import { writePcap, writePcapng, type FixtureFrame } from './test-helpers/capture-writer.js';
import { ACK, icmpFrame, SYN, tcpFrame, udpFrame } from './test-helpers/frames.js';

const MUTANTS = 5200;
const SEED_BYTES = 6000;

const dataDir = resolve(import.meta.dirname, '../..', process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const slips = join(dataDir, 'traffic', 'slips');

/** Frames of a pcap prefix (to re-wrap as pcapng); little-endian microsecond files only, as the shared ones are. */
function framesOf(pcap: Buffer): FixtureFrame[] {
  const frames: FixtureFrame[] = [];
  for (let at = 24; at + 16 <= pcap.length;) {
    const len = pcap.readUInt32LE(at + 8);
    if (at + 16 + len > pcap.length) break;
    frames.push({
      ts: pcap.readUInt32LE(at) + pcap.readUInt32LE(at + 4) / 1e6,
      bytes: pcap.subarray(at + 16, at + 16 + len),
      wireLength: pcap.readUInt32LE(at + 12),
      interfaceId: frames.length % 2,
    });
    at += 16 + len;
  }
  return frames;
}

function seeds(): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  const files = existsSync(slips) ? readdirSync(slips).filter((f) => f.endsWith('.pcap')) : [];
  for (const f of files) {
    const prefix = readFileSync(join(slips, f)).subarray(0, SEED_BYTES);
    out.push({ name: f, bytes: prefix });
    out.push({
      name: `${f} as pcapng`,
      bytes: writePcapng(framesOf(prefix), {
        interfaces: [{ linkType: 1 }, { linkType: 1, tsresol: 9 }],
        unknownBlock: true,
      }),
    });
  }
  if (out.length > 0) return out;
  console.log(`fuzz: no captures in ${slips}; using hand-built fixtures`);
  const frames: FixtureFrame[] = [];
  for (let i = 0; i < 40; i++) {
    const t = 1000 + i * 0.01;
    frames.push({
      ts: t,
      bytes: tcpFrame({
        src: '10.0.0.1',
        dst: '10.0.0.2',
        sport: 1000 + (i % 5),
        dport: 80,
        flags: i % 3 ? ACK : SYN,
        seq: i * 10,
        payload: i % 7,
      }),
    });
    frames.push({
      ts: t,
      bytes: udpFrame({ src: '10.0.0.3', dst: '10.0.0.4', sport: 53, dport: 3000 + i, payload: i }),
    });
    frames.push({ ts: t, bytes: icmpFrame({ src: 'fe80::1', dst: 'fe80::2', type: 128, payload: 8 }) });
  }
  return [
    { name: 'fixture pcap', bytes: writePcap(frames) },
    { name: 'fixture pcap big-endian ns', bytes: writePcap(frames, { bigEndian: true, nanoseconds: true }) },
    { name: 'fixture pcapng', bytes: writePcapng(frames) },
  ];
}

/** Offsets of pcap record headers or pcapng blocks (where length fields sit). */
function structureOffsets(b: Buffer): number[] {
  const offsets: number[] = [];
  const ng = b.readUInt32BE(0) === 0x0a0d0d0a;
  const le = ng
    ? b.readUInt32LE(8) === 0x1a2b3c4d
    : b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  for (let at = ng ? 0 : 24; at + 16 <= b.length && offsets.length < 500;) {
    offsets.push(at);
    const v = le ? b.readUInt32LE(at + (ng ? 4 : 8)) : b.readUInt32BE(at + (ng ? 4 : 8));
    const step = ng ? v : 16 + v;
    if (step < 12 || step > 1 << 20) break;
    at += step;
  }
  return offsets;
}

function mutate(seed: Buffer, other: Buffer, rng: Random): { kind: string; bytes: Buffer } {
  const b = Buffer.from(seed);
  const offsets = structureOffsets(seed);
  const pick = <T>(xs: T[]): T => xs[rng.int(xs.length)];
  switch (rng.int(5)) {
    case 0: {
      const flips = 1 + rng.int(8);
      for (let i = 0; i < flips; i++) b[rng.int(b.length)] ^= 1 << rng.int(8);
      return { kind: 'bit flips', bytes: b };
    }
    case 1:
      return { kind: 'truncation', bytes: b.subarray(0, rng.int(b.length)) };
    case 2: {
      const at = offsets.length ? pick(offsets) : 0;
      const field = at + (b.readUInt32BE(0) === 0x0a0d0d0a ? 4 : 8 + 4 * rng.int(2));
      const value = pick([0, 1, 11, 12, 13, 0xffffffff, 0x7fffffff, 262145, rng.int(5000), rng.int(1 << 30)]);
      if (field + 4 <= b.length) b.writeUInt32LE(value >>> 0, field);
      return { kind: 'length corruption', bytes: b };
    }
    case 3: {
      // Splice a run of records/blocks of another seed into this one at a record/block boundary.
      const from = structureOffsets(other);
      if (from.length < 2 || offsets.length < 1) return { kind: 'splice (none)', bytes: b };
      const i = rng.int(from.length - 1);
      const piece = other.subarray(from[i], from[Math.min(from.length - 1, i + 1 + rng.int(4))]);
      const at = pick(offsets);
      return { kind: 'block splice', bytes: Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]) };
    }
    default: {
      // Random bytes over a header region (link/IP/transport headers of a frame).
      const at = offsets.length ? pick(offsets) + 16 + rng.int(60) : rng.int(b.length);
      for (let i = 0; i < 1 + rng.int(6) && at + i < b.length; i++) b[at + i] = rng.int(256);
      return { kind: 'header garbage', bytes: b };
    }
  }
}

function chunked(bytes: Buffer, rng: Random): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + rng.int(rng.int(2) ? 64 : 4096);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

describe('packet path fuzz', () => {
  it(`survives ${MUTANTS} mutated captures: every packet accounted for, or an IotIdsError`, async () => {
    const all = seeds();
    const rng = new Random(20261206);
    const outcomes = { finished: 0, rejected: 0 };
    const kinds: Record<string, number> = {};
    for (let i = 0; i < MUTANTS; i++) {
      const seed = all[i % all.length];
      const { kind, bytes } = mutate(seed.bytes, all[rng.int(all.length)].bytes, rng);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      try {
        const s = await meterCapture(Readable.from(chunked(bytes, rng)), {
          file: `${seed.name} #${i}`,
          onRecord: () => {},
        });
        outcomes.finished++;
        if (s.packetsMetered + s.skippedTotal !== s.packetsRead) {
          throw new Error(
            `${seed.name} #${i} (${kind}): ${s.packetsMetered} + ${s.skippedTotal} ≠ ${s.packetsRead}`,
          );
        }
        for (const [reason, positions] of Object.entries(s.skippedExamples)) {
          expect(positions.length, reason).toBeGreaterThan(0);
          for (const p of positions) expect(p, reason).toMatch(/^frame \d+/);
        }
      } catch (error) {
        if (!(error instanceof IotIdsError))
          throw new Error(`${seed.name} #${i} (${kind}) crashed: ${String(error)}`, { cause: error });
        expect(error.message).toContain(`#${i}`);
        outcomes.rejected++;
      }
    }
    console.log(`fuzz: ${MUTANTS} inputs from ${all.length} seeds`, kinds, outcomes);
    expect(outcomes.finished + outcomes.rejected).toBe(MUTANTS);
    // Both paths are exercised: many mutants still read to the end, some are refused.
    expect(outcomes.finished).toBeGreaterThan(MUTANTS / 4);
    expect(outcomes.rejected).toBeGreaterThan(0);
  });
});
