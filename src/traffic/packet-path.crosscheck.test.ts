/**
 * Cross-checks of the packet path against Wireshark's tools on the shared captures
 * ($IOT_IDS_DATA_DIR/traffic/slips/*.pcap; skipped with a reason when the data or tshark is absent):
 * - every packet is accounted for: metered + skipped (by reason) = `capinfos -c`;
 * - per connection, packets in each direction agree with `tshark -z conv,tcp` / `conv,udp`, frame bytes
 *   with its byte column, and IP bytes with the sum of tshark's per-packet `ip.len`, wherever the
 *   conversation is exactly one connection on each side;
 * - the same capture converted with `editcap -F pcapng`, or gzip-compressed, gives identical records.
 *
 * Where Zeek's semantics differ from tshark's conversations: Zeek (and this meter) ends a UDP connection
 * after 60 s of inactivity and a TCP connection when a new SYN reuses a closed 5-tuple, while tshark keeps
 * one conversation per address/port pair; such pairs map to several records and are left out of the
 * per-connection comparison (their packets still count in the accounting check).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnRecord } from './conn-record.js';
import { meterCapture, type MeterCaptureSummary } from './meter-capture.js';

const repo = resolve(import.meta.dirname, '../..');
const dataDir = resolve(repo, process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const slips = join(dataDir, 'traffic', 'slips');
const captures = existsSync(slips) ? readdirSync(slips).filter((f) => f.endsWith('.pcap')) : [];
const hasTools = ['tshark', 'capinfos', 'editcap'].every((t) => spawnSync(t, ['-v']).status === 0);
const skipReason =
  captures.length === 0
    ? `no captures in ${slips}`
    : !hasTools
      ? 'tshark/capinfos/editcap not installed'
      : '';
if (skipReason) console.log(`packet-path cross-checks skipped: ${skipReason}`);

const tmp = mkdtempSync(join(tmpdir(), 'iot-ids-packets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  records: ConnRecord[];
  summary: MeterCaptureSummary;
  /** Frame bytes per direction, keyed like `key()` + `>` (A→B) or `<`. */
  frameBytes: Map<string, number>;
}

function endpointKey(h: string, p: number): string {
  return `${h}:${p}`;
}
/** Unordered address/port pair, as tshark's conversations are keyed. */
function pairKey(proto: string, a: string, b: string): string {
  return `${proto} ${[a, b].sort().join(' ')}`;
}

async function run(input: Readable, file: string): Promise<Run> {
  const records: ConnRecord[] = [];
  const frameBytes = new Map<string, number>();
  const summary = await meterCapture(input, {
    file,
    onRecord: (r) => records.push(r),
    onPacket: (p) => {
      if (!p.hasPorts || (p.protocol !== 6 && p.protocol !== 17)) return;
      const k = `${p.protocol === 6 ? 'tcp' : 'udp'} ${endpointKey(p.srcIp, p.srcPort)} ${endpointKey(p.dstIp, p.dstPort)}`;
      frameBytes.set(k, (frameBytes.get(k) ?? 0) + p.wireLength);
    },
  });
  return { records, summary, frameBytes };
}

interface Conversation {
  a: string;
  b: string;
  /** Frames and bytes A→B and B→A; bytes null when tshark rounded them (kB, MB). */
  framesAB: number;
  framesBA: number;
  bytesAB: number | null;
  bytesBA: number | null;
}

/** `tshark -z conv,tcp -z conv,udp` in one run (tshark starts slowly), split by section. */
function tsharkConversations(file: string): Record<'tcp' | 'udp', Conversation[]> {
  const out = execFileSync('tshark', ['-n', '-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const sections: Record<'tcp' | 'udp', Conversation[]> = { tcp: [], udp: [] };
  let convs = sections.tcp;
  const bytes = (n: string, unit: string) => (unit === 'bytes' ? Number(n) : null);
  for (const line of out.split('\n')) {
    if (line.startsWith('TCP Conversations')) convs = sections.tcp;
    if (line.startsWith('UDP Conversations')) convs = sections.udp;
    const m = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+(\d+) (\w+)\s+(\d+)\s+(\d+) (\w+)/.exec(line);
    if (!m) continue;
    // Columns: "<-" (B→A) first, then "->" (A→B).
    convs.push({
      a: m[1],
      b: m[2],
      framesBA: Number(m[3]),
      bytesBA: bytes(m[4], m[5]),
      framesAB: Number(m[6]),
      bytesAB: bytes(m[7], m[8]),
    });
  }
  return sections;
}

/** Sum of ip.len / IPv6 payload + 40 per direction from tshark's own dissection. */
function tsharkIpBytes(file: string): Map<string, number> {
  const out = execFileSync(
    'tshark',
    [
      '-n',
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'ip.dst',
      '-e',
      'ipv6.dst',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.dstport',
      '-e',
      'udp.srcport',
      '-e',
      'udp.dstport',
      '-e',
      'ip.len',
      '-e',
      'ipv6.plen',
      '-e',
      'icmp.type',
      '-Y',
      '(tcp || udp) && !icmp && !icmpv6',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 },
  );
  const sums = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [s4, s6, d4, d6, ts, td, us, ud, len4, plen6] = line.split('|');
    // Tunnelled packets list several values; the outermost header is the first.
    const first = (v: string | undefined) => (v ?? '').split(',')[0];
    const tcp = first(ts) !== '';
    const src = first(s4) || first(s6);
    const dst = first(d4) || first(d6);
    const len = first(len4) ? Number(first(len4)) : Number(first(plen6)) + 40;
    const k = `${tcp ? 'tcp' : 'udp'} ${src}:${tcp ? first(ts) : first(us)} ${dst}:${tcp ? first(td) : first(ud)}`;
    sums.set(k, (sums.get(k) ?? 0) + len);
  }
  return sums;
}

describe.skipIf(Boolean(skipReason))(
  'packet path against capinfos, tshark and editcap (shared captures)',
  () => {
    for (const name of captures) {
      const file = join(slips, name);

      it(`${name}: every packet is metered or skipped with a reason (capinfos count)`, async () => {
        const out = execFileSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
        const count = Number(/Number of packets:\s+(\d+)/.exec(out)![1]);
        const { summary } = await run(createReadStream(file), file);
        expect(summary.packetsRead).toBe(count);
        expect(summary.packetsMetered + summary.skippedTotal).toBe(count);
      });

      it(`${name}: packets, frame bytes and IP bytes per connection agree with tshark conversations`, async () => {
        const { records, frameBytes } = await run(createReadStream(file), file);
        const recordsByPair = new Map<string, ConnRecord[]>();
        for (const r of records) {
          const k = pairKey(r.proto, endpointKey(r.origH, r.origP), endpointKey(r.respH, r.respP));
          recordsByPair.set(k, [...(recordsByPair.get(k) ?? []), r]);
        }
        const ipBytes = tsharkIpBytes(file);
        let compared = 0;
        const conversations = tsharkConversations(file);
        for (const proto of ['tcp', 'udp'] as const) {
          const convs = conversations[proto];
          const convCount = new Map<string, number>();
          for (const c of convs)
            convCount.set(pairKey(proto, c.a, c.b), (convCount.get(pairKey(proto, c.a, c.b)) ?? 0) + 1);
          for (const c of convs) {
            const k = pairKey(proto, c.a, c.b);
            const mine = recordsByPair.get(k) ?? [];
            if (mine.length !== 1 || convCount.get(k) !== 1) continue;
            const r = mine[0];
            const origIsA = endpointKey(r.origH, r.origP) === c.a;
            const [origFrames, respFrames] = origIsA ? [c.framesAB, c.framesBA] : [c.framesBA, c.framesAB];
            expect([k, r.origPkts, r.respPkts]).toEqual([k, origFrames, respFrames]);
            const o = endpointKey(r.origH, r.origP);
            const p = endpointKey(r.respH, r.respP);
            const origBytes = origIsA ? c.bytesAB : c.bytesBA;
            const respBytes = origIsA ? c.bytesBA : c.bytesAB;
            if (origBytes !== null)
              expect([k, frameBytes.get(`${proto} ${o} ${p}`) ?? 0]).toEqual([k, origBytes]);
            if (respBytes !== null)
              expect([k, frameBytes.get(`${proto} ${p} ${o}`) ?? 0]).toEqual([k, respBytes]);
            expect([k, r.origIpBytes, r.respIpBytes]).toEqual([
              k,
              ipBytes.get(`${proto} ${o} ${p}`) ?? 0,
              ipBytes.get(`${proto} ${p} ${o}`) ?? 0,
            ]);
            compared++;
          }
        }
        const tcpUdp = records.filter((r) => r.proto !== 'icmp').length;
        // Most conversations are single connections; the rest are Zeek-vs-tshark splits (see the header).
        expect(compared).toBeGreaterThanOrEqual(Math.floor(tcpUdp * 0.5));
      });

      it(`${name}: the editcap pcapng conversion and a gzip copy give identical records`, async () => {
        const ng = join(tmp, `${name}ng`);
        execFileSync('editcap', ['-F', 'pcapng', file, ng]);
        const plain = await run(createReadStream(file), file);
        const converted = await run(createReadStream(ng), ng);
        const gzipped = await run(Readable.from([gzipSync(readFileSync(file))]), `${file}.gz`);
        expect(converted.summary.format).toBe('pcapng');
        expect(gzipped.summary.gzip).toBe(true);
        expect(converted.records).toEqual(plain.records);
        expect(gzipped.records).toEqual(plain.records);
      });
    }
  },
);
