import { describe, expect, it } from 'vitest';
import { Random } from '../../util/random.js';
import type { PacketView } from '../packet-view.js';
import { featureNames } from './feature-layout.js';
import { PacketStats } from './packet-stats.js';
import { makePacket } from './test-packets.js';

/** A deliberately plain re-statement of the damped statistics, one object per stream and λ. */
class NaiveStream {
  cf1 = 0;
  cf2 = 0;
  w = 0;
  last: number;
  constructor(t: number) {
    this.last = t;
  }
  insert(v: number, t: number, lambda: number): void {
    if (t > this.last) {
      const f = Math.pow(2, -lambda * (t - this.last));
      this.cf1 *= f;
      this.cf2 *= f;
      this.w *= f;
      this.last = t;
    }
    this.cf1 += v;
    this.cf2 += v * v;
    this.w += 1;
  }
  get mean(): number {
    return this.w > 0 ? this.cf1 / this.w : 0;
  }
  get variance(): number {
    return this.w > 0 ? Math.abs(this.cf2 / this.w - this.mean ** 2) : 0;
  }
}

const LAMBDAS = [5, 3, 1, 0.1, 0.01];

function randomTraffic(n: number, seed: number): PacketView[] {
  const random = new Random(seed);
  const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  const packets: PacketView[] = [];
  let t = 1000;
  for (let i = 0; i < n; i++) {
    t += random.next() * 0.5;
    const s = random.int(3);
    const d = (s + 1 + random.int(2)) % 3;
    packets.push(
      makePacket({
        index: i + 1,
        ts: t,
        wireLength: 60 + random.int(1400),
        srcIp: hosts[s],
        dstIp: hosts[d],
        srcMac: s + 1,
        dstMac: d + 1,
        srcPort: 1000 + random.int(2),
        dstPort: 80,
      }),
    );
  }
  return packets;
}

describe('PacketStats', () => {
  it('names 100 features in the reference layout and 115 in the paper layout', () => {
    const reference = new PacketStats();
    expect(reference.nFeatures).toBe(100);
    expect(reference.names).toHaveLength(100);
    expect(new Set(reference.names).size).toBe(100);
    expect(reference.names[0]).toBe('MI_dir_L5_weight');
    expect(reference.names[99]).toBe('HpHp_L0.01_pcc');
    const paper = new PacketStats({ layout: 'paper-115' });
    expect(paper.nFeatures).toBe(115);
    expect(paper.names).toEqual(featureNames('paper-115', LAMBDAS));
    expect(paper.names[15]).toBe('H_L5_weight');
  });

  it('matches a plain re-statement for the MAC+IP, channel and jitter streams', () => {
    const stats = new PacketStats();
    const naive = new Map<string, NaiveStream[]>();
    const lastArrival = new Map<string, number>();
    const get = (key: string, t: number): NaiveStream[] => {
      let streams = naive.get(key);
      if (!streams) {
        streams = LAMBDAS.map(() => new NaiveStream(t));
        naive.set(key, streams);
      }
      return streams;
    };
    const out = new Float64Array(100);
    for (const packet of randomTraffic(400, 1)) {
      stats.extract(packet, out);
      const t = packet.ts;
      const v = packet.wireLength;
      const mi = get(`mi ${packet.srcIp} ${packet.srcMac}`, t);
      const hh = get(`hh ${packet.srcIp} ${packet.dstIp}`, t);
      const back = get(`hh ${packet.dstIp} ${packet.srcIp}`, t);
      const channel = `${packet.srcIp} ${packet.dstIp}`;
      const jit = get(`jit ${channel}`, t);
      const jitter = t - (lastArrival.get(channel) ?? t);
      lastArrival.set(channel, t);
      LAMBDAS.forEach((lambda, l) => {
        mi[l].insert(v, t, lambda);
        hh[l].insert(v, t, lambda);
        jit[l].insert(jitter, t, lambda);
        expect(out[l * 3]).toBeCloseTo(mi[l].w, 9);
        expect(out[l * 3 + 1]).toBeCloseTo(mi[l].mean, 6);
        expect(out[l * 3 + 2] / (mi[l].variance + 1)).toBeCloseTo(mi[l].variance / (mi[l].variance + 1), 6);
        const h = 15 + l * 7;
        expect(out[h]).toBeCloseTo(hh[l].w, 9);
        expect(out[h + 1]).toBeCloseTo(hh[l].mean, 6);
        expect(out[h + 2]).toBeCloseTo(Math.sqrt(hh[l].variance), 4);
        expect(out[h + 3]).toBeCloseTo(Math.sqrt(hh[l].variance + back[l].variance), 4);
        expect(out[h + 4]).toBeCloseTo(Math.hypot(hh[l].mean, back[l].mean), 6);
        const j = 50 + l * 3;
        expect(out[j]).toBeCloseTo(jit[l].w, 9);
        expect(out[j + 1]).toBeCloseTo(jit[l].mean, 9);
        expect(out[j + 2]).toBeCloseTo(jit[l].variance, 9);
      });
    }
  });

  it('adds the per-source-IP stream in the paper layout, after MI_dir, shifting the other groups', () => {
    const reference = new PacketStats();
    const paper = new PacketStats({ layout: 'paper-115' });
    const host = new Map<string, NaiveStream[]>();
    const a = new Float64Array(100);
    const b = new Float64Array(115);
    for (const packet of randomTraffic(300, 2)) {
      reference.extract(packet, a);
      paper.extract(packet, b);
      let streams = host.get(packet.srcIp);
      if (!streams) {
        streams = LAMBDAS.map(() => new NaiveStream(packet.ts));
        host.set(packet.srcIp, streams);
      }
      LAMBDAS.forEach((lambda, l) => {
        streams[l].insert(packet.wireLength, packet.ts, lambda);
        expect(b[15 + l * 3]).toBeCloseTo(streams[l].w, 9);
        expect(b[15 + l * 3 + 1]).toBeCloseTo(streams[l].mean, 6);
      });
      expect(Array.from(b.subarray(0, 15))).toEqual(Array.from(a.subarray(0, 15)));
      expect(Array.from(b.subarray(30))).toEqual(Array.from(a.subarray(15)));
    }
  });

  it('gives a constant stream zero spread and zero correlation, and weights that converge', () => {
    const stats = new PacketStats();
    const out = new Float64Array(100);
    for (let i = 0; i < 200; i++) {
      stats.extract(makePacket({ ts: i, wireLength: 100 }), out);
      stats.extract(
        makePacket({
          ts: i + 0.5,
          wireLength: 100,
          srcIp: '10.0.0.2',
          dstIp: '10.0.0.1',
          srcPort: 53,
          dstPort: 5000,
        }),
        out,
      );
    }
    for (let l = 0; l < 5; l++) {
      const h = 15 + l * 7;
      expect(out[h + 1]).toBeCloseTo(100, 9); // mean
      expect(out[h + 2]).toBeLessThan(1e-3); // std
      expect(out[h + 6]).toBe(0); // pcc of zero-variance streams
    }
    // λ = 1 with one packet a second: w = 1 + w/2 → 2.
    expect(out[15 + 2 * 7]).toBeCloseTo(2, 9);
    // Socket pair: the reply belongs to the same pair as the request (both directions seen).
    expect(stats.streamCounts.sockets).toBe(1);
    expect(stats.streamCounts.channels).toBe(1);
  });

  it('correlates the two directions of a socket when their sizes move together, and not otherwise', () => {
    const pccOf = (coupled: boolean): number => {
      const stats = new PacketStats({ lambdas: [0.01] });
      const out = new Float64Array(stats.nFeatures);
      const random = new Random(5);
      for (let i = 0; i < 4000; i++) {
        const size = 100 + random.int(1000);
        const reply = coupled ? size + 20 : 100 + random.int(1000);
        stats.extract(makePacket({ ts: i, wireLength: size }), out);
        const back = { srcIp: '10.0.0.2', dstIp: '10.0.0.1', srcPort: 53, dstPort: 5000 };
        stats.extract(makePacket({ ts: i + 0.1, wireLength: reply, ...back }), out);
      }
      return out[stats.names.indexOf('HpHp_L0.01_pcc')];
    };
    // Each packet's residual is multiplied with the other direction's last one; for strict request/reply
    // alternation half of those products pair a request with the previous reply, so ≈ 0.5, not 1.
    expect(pccOf(true)).toBeGreaterThan(0.35);
    expect(Math.abs(pccOf(false))).toBeLessThan(0.1);
  });

  it('keeps tables bounded, evicting and counting stale streams', () => {
    const stats = new PacketStats({ maxHostStreams: 8, maxChannelStreams: 8, maxSocketStreams: 8 });
    for (let i = 0; i < 100; i++) {
      stats.extract(makePacket({ ts: i, srcIp: `10.0.1.${i}`, srcMac: i + 1, srcPort: 1000 + i }));
    }
    expect(stats.streamCounts).toEqual({ macIp: 8, hosts: 0, channels: 8, sockets: 8 });
    expect(stats.counters.hostEvictions).toBe(92);
    expect(stats.counters.channelEvictions).toBe(92);
    expect(stats.counters.socketEvictions).toBe(92);
    // An evicted stream that comes back starts afresh (weight 1).
    const out = stats.extract(makePacket({ ts: 101, srcIp: '10.0.1.0', srcMac: 1, srcPort: 1000 }));
    expect(out[0]).toBe(1);
  });

  it('never writes NaN or Infinity: backwards, equal, missing and huge timestamps, empty and non-IP frames', () => {
    const stats = new PacketStats({ layout: 'paper-115' });
    const out = new Float64Array(stats.nFeatures);
    const bad: Partial<PacketView>[] = [
      { ts: 10 },
      { ts: 10 }, // same instant
      { ts: 5 }, // backwards
      { ts: Number.NaN },
      { ts: Number.POSITIVE_INFINITY },
      { ts: -3 },
      { ts: 11, wireLength: 0 },
      { ts: 12, wireLength: Number.NaN },
      { ts: 13, wireLength: Number.MAX_VALUE },
      { ts: 14, wireLength: 1e200 },
      { ts: 1e12 }, // a jump that decays every weight to 0
      { ts: 1e12, ipVersion: 0, srcIp: '', dstIp: '', protocol: 0, srcPort: 0, dstPort: 0 }, // LLDP-like
      { ts: 1e12 + 1, ipVersion: 0, isArp: true, protocol: 0, srcPort: 0, dstPort: 0 },
      { ts: 1e12 + 2, srcMac: 0, dstMac: 0 },
      { ts: 1e12 + 3, srcIp: '10.0.0.1', dstIp: '10.0.0.1', srcPort: 7, dstPort: 7 }, // to itself
    ];
    for (const fields of bad) {
      stats.extract(makePacket(fields), out);
      for (let i = 0; i < out.length; i++) expect(Number.isFinite(out[i]), stats.names[i]).toBe(true);
    }
    expect(stats.counters.backwardsTimestamps).toBeGreaterThanOrEqual(1);
    expect(stats.counters.invalidFields).toBe(4);
    expect(stats.counters.zeroLengthFrames).toBeGreaterThanOrEqual(2);
    expect(stats.counters.nonIpFrames).toBe(1);
    expect(stats.counters.packets).toBe(bad.length);
  });

  it('writes into the caller buffer and rejects a short one', () => {
    const stats = new PacketStats();
    const buffer = new Float64Array(100);
    expect(stats.extract(makePacket(), buffer)).toBe(buffer);
    expect(() => stats.extract(makePacket(), new Float64Array(10))).toThrow(/100/);
  });

  it('validates options', () => {
    expect(() => new PacketStats({ lambdas: [] })).toThrow(/lambdas/);
    expect(() => new PacketStats({ maxSocketStreams: 0 })).toThrow(/maxSocketStreams/);
  });
});
