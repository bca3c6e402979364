import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ConnRecord } from '../conn-record.js';
import { readPackets } from '../read-packets.js';
import { writePcap, type FixtureFrame } from '../test-helpers/capture-writer.js';
import {
  ACK,
  FIN,
  icmpFrame,
  PSH,
  RST,
  SYN,
  tcpFrame,
  udpFrame,
  type TcpSpec,
} from '../test-helpers/frames.js';
import { ConnectionMeter, type ConnectionMeterOptions } from './connection-meter.js';

/** Runs frames through the whole packet path (pcap bytes → reader → decoder → meter). */
async function meter(frames: FixtureFrame[], options: Partial<ConnectionMeterOptions> = {}) {
  const records: ConnRecord[] = [];
  const m = new ConnectionMeter({ onRecord: (r) => records.push(r), ...options });
  const summary = await readPackets(Readable.from([writePcap(frames)]), { onPacket: (p) => m.add(p) });
  m.flush();
  return { records, stats: m.stats, summary };
}

const A = { src: '10.0.0.1', sport: 40000 };
const B = { src: '10.0.0.2', sport: 80 };
const ISN_A = 1000;
const ISN_B = 5000;

/** A segment from A to B or B to A; seq/ack default to the next expected numbers given by the caller. */
function a(flags: number, seq: number, ack = 0, payload = 0): TcpSpec {
  return { src: A.src, dst: B.src, sport: A.sport, dport: B.sport, flags, seq, ack, payload };
}
function b(flags: number, seq: number, ack = 0, payload = 0): TcpSpec {
  return { src: B.src, dst: A.src, sport: B.sport, dport: A.sport, flags, seq, ack, payload };
}

/** Frames 0.1 s apart from t = 100. */
function timed(segments: TcpSpec[]): FixtureFrame[] {
  return segments.map((s, i) => ({ ts: 100 + i * 0.1, bytes: tcpFrame(s) }));
}

const SYN_A = a(SYN, ISN_A);
const SYNACK_B = b(SYN | ACK, ISN_B, ISN_A + 1);
const ACK_A = a(ACK, ISN_A + 1, ISN_B + 1);
const handshake = [SYN_A, SYNACK_B, ACK_A];

async function one(segments: TcpSpec[]): Promise<ConnRecord> {
  const { records } = await meter(timed(segments));
  expect(records).toHaveLength(1);
  return records[0];
}

describe('ConnectionMeter: TCP conn_state and history (Zeek definitions)', () => {
  it('S0: a SYN and no reply', async () => {
    const r = await one([SYN_A]);
    expect([r.connState, r.history, r.origPkts, r.respPkts]).toEqual(['S0', 'S', 1, 0]);
    // One packet lasts no time: Zeek leaves duration and sizes unset.
    expect([r.duration, r.origBytes, r.respBytes]).toEqual([null, null, null]);
    expect([r.origH, r.origP, r.respH, r.respP, r.proto, r.service]).toEqual([
      '10.0.0.1',
      40000,
      '10.0.0.2',
      80,
      'tcp',
      'http',
    ]);
  });

  it('S1: established, not terminated', async () => {
    const r = await one(handshake);
    expect([r.connState, r.history]).toEqual(['S1', 'ShA']);
  });

  it('SF: normal establishment and termination, sizes from sequence numbers', async () => {
    const r = await one([
      ...handshake,
      a(ACK | PSH, ISN_A + 1, ISN_B + 1, 10),
      b(ACK, ISN_B + 1, ISN_A + 11),
      b(ACK | PSH, ISN_B + 1, ISN_A + 11, 20),
      a(FIN | ACK, ISN_A + 11, ISN_B + 21),
      b(FIN | ACK, ISN_B + 21, ISN_A + 12),
      a(ACK, ISN_A + 12, ISN_B + 22),
    ]);
    expect([r.connState, r.history, r.origBytes, r.respBytes, r.missedBytes]).toEqual([
      'SF',
      'ShADadFf',
      10,
      20,
      0,
    ]);
    expect([r.origPkts, r.respPkts]).toEqual([5, 4]);
    expect(r.origIpBytes).toBe(5 * 40 + 10);
    expect(r.respIpBytes).toBe(4 * 40 + 20);
    expect(r.duration).toBeCloseTo(0.8, 9);
  });

  it('REJ: the SYN answered by a RST', async () => {
    const r = await one([SYN_A, b(RST | ACK, 0, ISN_A + 1)]);
    expect([r.connState, r.history]).toEqual(['REJ', 'Sr']);
  });

  it('S2: established, originator closed, no reply', async () => {
    expect((await one([...handshake, a(FIN | ACK, ISN_A + 1, ISN_B + 1)])).connState).toBe('S2');
  });

  it('S3: established, responder closed, no reply', async () => {
    const r = await one([...handshake, b(FIN | ACK, ISN_B + 1, ISN_A + 1)]);
    expect([r.connState, r.history]).toEqual(['S3', 'ShAf']);
  });

  it('RSTO: established, originator aborted', async () => {
    const r = await one([...handshake, a(RST, ISN_A + 1)]);
    expect([r.connState, r.history]).toEqual(['RSTO', 'ShAR']);
  });

  it('RSTR: established, responder aborted', async () => {
    const r = await one([...handshake, b(RST, ISN_B + 1)]);
    expect([r.connState, r.history]).toEqual(['RSTR', 'ShAr']);
  });

  it('RSTOS0: SYN then RST from the originator, no SYN-ACK', async () => {
    const r = await one([SYN_A, a(RST, ISN_A + 1)]);
    expect([r.connState, r.history]).toEqual(['RSTOS0', 'SR']);
  });

  it('RSTRH: SYN-ACK then RST from the responder, the SYN never seen (roles turned round: ^)', async () => {
    const r = await one([SYNACK_B, b(RST, ISN_B + 1)]);
    expect([r.connState, r.history, r.origH, r.origP]).toEqual(['RSTRH', '^hr', '10.0.0.1', 40000]);
  });

  it('SH: SYN then FIN from the originator, no SYN-ACK', async () => {
    const r = await one([SYN_A, a(FIN, ISN_A + 1)]);
    expect([r.connState, r.history]).toEqual(['SH', 'SF']);
  });

  it('SHR: SYN-ACK then FIN from the responder, the SYN never seen', async () => {
    const r = await one([SYNACK_B, b(FIN | ACK, ISN_B + 1, ISN_A + 1)]);
    expect([r.connState, r.history]).toEqual(['SHR', '^hf']);
  });

  it('OTH: midstream traffic without a SYN', async () => {
    const r = await one([a(ACK | PSH, 777, 888, 100), b(ACK, 888, 877)]);
    expect([r.connState, r.history, r.origBytes, r.respBytes]).toEqual(['OTH', 'Da', 100, 0]);
  });
});

describe('ConnectionMeter: bytes, gaps and retransmissions', () => {
  it('counts acknowledged bytes never seen as missed, and a retransmission as T', async () => {
    const r = await one([
      ...handshake,
      a(ACK, ISN_A + 1, ISN_B + 1, 100),
      // bytes 101–200 of A are lost; B acknowledges them anyway
      a(ACK, ISN_A + 201, ISN_B + 1, 100),
      b(ACK, ISN_B + 1, ISN_A + 301),
      a(ACK, ISN_A + 201, ISN_B + 1, 100), // retransmission
    ]);
    expect([r.origBytes, r.missedBytes, r.history]).toEqual([300, 100, 'ShADaT']);
  });

  it('fills a gap with a late (out-of-order) segment instead of counting it missed', async () => {
    const r = await one([
      ...handshake,
      a(ACK, ISN_A + 101, ISN_B + 1, 100),
      a(ACK, ISN_A + 1, ISN_B + 1, 100),
      b(ACK, ISN_B + 1, ISN_A + 201),
    ]);
    expect([r.origBytes, r.missedBytes]).toEqual([200, 0]);
  });

  it('unwraps sequence numbers across 2^32', async () => {
    const isn = 0xffffff00;
    const r = await one([
      a(SYN, isn),
      b(SYN | ACK, ISN_B, (isn + 1) >>> 0),
      a(ACK, (isn + 1) >>> 0, ISN_B + 1, 1000),
      a(ACK, (isn + 1001) >>> 0, ISN_B + 1, 1000),
    ]);
    expect(r.origBytes).toBe(2000);
  });

  it('counts urgent packets and KDD wrong fragments on the connection', async () => {
    const { records } = await meter([{ ts: 1, bytes: tcpFrame({ ...a(ACK, 1), flags: ACK | 0x20 }) }]);
    expect(records[0].urgentPackets).toBe(0); // URG without an urgent pointer is not urgent data
  });
});

describe('ConnectionMeter: UDP and ICMP', () => {
  const u = (from: 'a' | 'b', payload: number) =>
    from === 'a'
      ? udpFrame({ src: '192.168.1.5', dst: '192.168.1.1', sport: 5353, dport: 53, payload })
      : udpFrame({ src: '192.168.1.1', dst: '192.168.1.5', sport: 53, dport: 5353, payload });

  it('UDP S0 (one direction) and SF (both), payload bytes, history D/d', async () => {
    const one = await meter([
      { ts: 1, bytes: u('a', 30) },
      { ts: 2, bytes: u('a', 12) },
    ]);
    expect(one.records.map((r) => [r.connState, r.history, r.origBytes, r.service])).toEqual([
      ['S0', 'D', 42, 'dns'],
    ]);
    const both = await meter([
      { ts: 1, bytes: u('a', 30) },
      { ts: 1.5, bytes: u('b', 90) },
    ]);
    expect(both.records.map((r) => [r.connState, r.history, r.origBytes, r.respBytes])).toEqual([
      ['SF', 'Dd', 30, 90],
    ]);
  });

  it('ICMP echo request and reply meet in one connection (type/counterpart ports), state OTH', async () => {
    const { records } = await meter([
      { ts: 1, bytes: icmpFrame({ src: '10.1.1.1', dst: '10.1.1.2', type: 8, payload: 56 }) },
      { ts: 1.01, bytes: icmpFrame({ src: '10.1.1.2', dst: '10.1.1.1', type: 0, payload: 56 }) },
      { ts: 2, bytes: icmpFrame({ src: '2001:db8::1', dst: '2001:db8::2', type: 128, payload: 8 }) },
      { ts: 2.5, bytes: icmpFrame({ src: '2001:db8::2', dst: '2001:db8::1', type: 129, payload: 8 }) },
    ]);
    expect(
      records.map((r) => [
        r.proto,
        r.origH,
        r.origP,
        r.respP,
        r.origPkts,
        r.respPkts,
        r.origBytes,
        r.respBytes,
        r.connState,
        r.history,
      ]),
    ).toEqual([
      ['icmp', '10.1.1.1', 8, 0, 1, 1, 56, 56, 'OTH', ''],
      ['icmp', '2001:db8::1', 128, 129, 1, 1, 8, 8, 'OTH', ''],
    ]);
  });
});

describe('ConnectionMeter: lifetime', () => {
  const ping = (ts: number, n = 1) => ({
    ts,
    bytes: udpFrame({ src: '10.9.0.1', dst: '10.9.0.2', sport: 1000 + n, dport: 9999, payload: 4 }),
  });

  it('ends a UDP connection after Zeek’s 60 s of inactivity (configurable), by packet time', async () => {
    expect((await meter([ping(0), ping(59), ping(120)])).records.map((r) => r.origPkts)).toEqual([2, 1]);
    expect(
      (await meter([ping(0), ping(59), ping(120)], { udpTimeout: 30 })).records.map((r) => r.origPkts),
    ).toEqual([1, 1, 1]);
  });

  it('ends a TCP connection after 5 min of inactivity, and a closed one when a new SYN reuses its ports', async () => {
    const idle = await meter([
      { ts: 0, bytes: tcpFrame(SYN_A) },
      { ts: 301, bytes: tcpFrame(ACK_A) },
    ]);
    expect(idle.records.map((r) => r.connState)).toEqual(['S0', 'OTH']);
    const reuse = await meter(timed([...handshake, a(RST, ISN_A + 1), a(SYN, 9000)]));
    expect(reuse.records.map((r) => [r.connState, r.history])).toEqual([
      ['RSTO', 'ShAR'],
      ['S0', 'S'],
    ]);
  });

  it('meters TCP right on a connection object that carried UDP before, and UDP on one that carried TCP', async () => {
    // The meter recycles finished objects; TCP endpoints are allocated the first time an object carries TCP.
    const { records } = await meter([
      ping(0, 1),
      ...timed([...handshake, a(RST, ISN_A + 1)]).map((f) => ({ ...f, ts: f.ts - 30 })),
      ping(90, 2),
      ...timed([SYN_A, SYNACK_B]).map((f) => ({ ...f, ts: f.ts + 60 })),
    ]);
    expect(records.map((r) => [r.proto, r.connState, r.history, r.origPkts])).toEqual([
      ['udp', 'S0', 'D', 1],
      ['tcp', 'RSTO', 'ShAR', 3],
      ['udp', 'S0', 'D', 1],
      ['tcp', 'S1', 'Sh', 1],
    ]);
  });

  it('expires idle connections from the queue while others stay active (lazy re-queueing)', async () => {
    const frames = [ping(0, 1), ping(0, 2), ping(50, 2), ping(100, 2), ping(140, 2), ping(170, 2)];
    const records: ConnRecord[] = [];
    const m = new ConnectionMeter({ onRecord: (r) => records.push(r) });
    await readPackets(Readable.from([writePcap(frames)]), { onPacket: (p) => m.add(p) });
    // Before flush: flow 1 (idle since 0) has ended by timeout; flow 2, active every < 60 s, is still open.
    expect(records.map((r) => [r.origP, r.origPkts])).toEqual([[1001, 1]]);
    expect(m.stats.open).toBe(1);
    m.flush();
    expect(records.map((r) => [r.origP, r.origPkts])).toEqual([
      [1001, 1],
      [1002, 5],
    ]);
  });

  it('bounds the open table: the least recently active connection is finished early and counted', async () => {
    const { records, stats } = await meter([ping(0, 1), ping(1, 2), ping(2, 3), ping(3, 2)], {
      maxConnections: 2,
    });
    expect(stats.evictions).toBe(1);
    expect(records.map((r) => [r.origP, r.origPkts])).toEqual([
      [1001, 1],
      [1002, 2],
      [1003, 1],
    ]);
  });

  it('emits interim records of long-lived connections at the configured interval', async () => {
    const frames = [0, 5, 10, 15, 20, 25].map((t) => ping(t));
    const { records } = await meter(frames, { interimInterval: 10 });
    expect(records.map((r) => [r.interim ?? false, r.origPkts])).toEqual([
      [true, 2],
      [true, 4],
      [false, 6],
    ]);
    expect(records.every((r) => r.uid === records[0].uid)).toBe(true);
  });

  it('finishes an idle connection within an eighth of its timeout after it is due, not a whole timeout late', async () => {
    // Connection 1: pings at 0 and 1 s, then silence (UDP timeout 60 s: due at 61 s). Connection 2's pings
    // move packet time on; each record is stamped with the packet time at which it came out.
    const frames = [ping(0, 1), ping(1, 1), ...[60.5, 66, 70, 80, 100, 130].map((t) => ping(t, 2))];
    const emittedAt = new Map<number, number>();
    let now = 0;
    const m = new ConnectionMeter({ onRecord: (r) => emittedAt.set(r.origP, now) });
    await readPackets(Readable.from([writePcap(frames)]), {
      onPacket: (p) => {
        now = p.ts;
        m.add(p);
      },
    });
    // Due at 61 s; out by the first packet after 61 + 60 / 8 = 68.5 s, i.e. at 70 s (it used to wait to 130 s).
    expect(emittedAt.get(1001)).toBe(70);
  });

  it('gives an idle connection one interim record, not one per tick', async () => {
    // Two pings at 0 and 1 s, then silence; another connection keeps time moving to 45 s (ICMP times out
    // after 60 s). The idle one is reported at the first tick and then not again until it ends.
    const frames = [ping(0, 1), ping(1, 1), ...[5, 15, 25, 35, 45].map((t) => ping(t, 2))];
    const { records } = await meter(frames, { interimInterval: 10 });
    const idle = records.filter((r) => r.origP === 1001 && r.interim);
    expect(idle.map((r) => r.origPkts)).toEqual([2]);
    // The busy one is reported again whenever it had packets since its last interim record.
    const busy = records.filter((r) => r.origP === 1002 && r.interim).map((r) => r.origPkts);
    expect(busy.length).toBeGreaterThanOrEqual(2);
    expect(busy).toEqual([...busy].sort((x, y) => x - y));
    expect(new Set(busy).size).toBe(busy.length);
  });

  /** Runs frames through a meter, noting the packet time at which each record came out. */
  async function emissionTimes(frames: FixtureFrame[], options: Partial<ConnectionMeterOptions>) {
    const out: { record: ConnRecord; at: number }[] = [];
    let now = 0;
    const m = new ConnectionMeter({ onRecord: (record) => out.push({ record, at: now }), ...options });
    await readPackets(Readable.from([writePcap(frames)]), {
      onPacket: (p) => {
        now = p.ts;
        m.add(p);
      },
    });
    return out;
  }

  it('emits each interim record as its connection falls due, not at a tick shared by the table', async () => {
    // Connections 1 and 2 start 0.35 s apart; connection 3 pings every 50 ms to move packet time. With a 1 s
    // interval each one's first interim record comes out at the first packet at or after start + 1 s.
    const clock = Array.from({ length: 40 }, (_, i) => ping(i * 0.05, 3));
    const frames = [ping(0, 1), ...clock, ping(0.35, 2)].sort((x, y) => x.ts - y.ts);
    const out = await emissionTimes(frames, { interimInterval: 1 });
    const first = (port: number) => out.find((o) => o.record.origP === port && o.record.interim)?.at;
    expect(first(1001)).toBe(1);
    expect(first(1002)).toBeCloseTo(1.35, 9);
    // The busy connection's records are an interval apart, each at the first packet past its due time.
    const busy = out.filter((o) => o.record.origP === 1003).map((o) => o.at);
    expect(busy).toEqual([1]);
  });

  it("brings a parked idle connection's next interim record with its next packet", async () => {
    // Pings at 0 and 1 s, the first interim record at 10 s, idle until 25 s: that packet brings the next
    // record (with it counted); another connection moves time on.
    const clock = [5, 10, 15, 20, 30].map((t) => ping(t, 2));
    const frames = [ping(0, 1), ping(1, 1), ping(25, 1), ...clock].sort((x, y) => x.ts - y.ts);
    const out = await emissionTimes(frames, { interimInterval: 10 });
    const idle = out.filter((o) => o.record.origP === 1001 && o.record.interim);
    expect(idle.map((o) => [o.at, o.record.origPkts])).toEqual([
      [10, 2],
      [25, 3],
    ]);
  });

  it('gives no interim record to a connection that ended before it was due, even when its object is reused', async () => {
    // Interval 10 s. Connection 1 pings once at 0 s; connection 2 pings every second from 3 s.
    const frames = [ping(0, 1), ...Array.from({ length: 12 }, (_, i) => ping(3 + i, 2))];
    const interims = (out: { record: ConnRecord; at: number }[]) =>
      out.filter((o) => o.record.interim).map((o) => [o.record.origP, o.at]);
    // With the default timeout both get their first interim record when due.
    expect(interims(await emissionTimes(frames, { interimInterval: 10 }))).toEqual([
      [1001, 10],
      [1002, 13],
    ]);
    // With a 2 s timeout connection 1 ends at 3 s and connection 2 takes its recycled object: its queue
    // entry, due at 10 s, is dropped, and connection 2's own comes out at 13 s.
    const out = await emissionTimes(frames, { interimInterval: 10, udpTimeout: 2 });
    expect(out.map((o) => [o.record.origP, o.record.interim ?? false, o.at])).toEqual([
      [1001, false, 3],
      [1002, true, 13],
    ]);
  });

  it('meters out-of-order timestamps at the latest time seen and counts them', async () => {
    const { records, stats } = await meter([ping(10), ping(5), ping(12)]);
    expect(stats.outOfOrder).toBe(1);
    expect(records.map((r) => [r.origPkts, r.duration])).toEqual([[3, 2]]);
  });

  it('counts what it does not meter (ARP, other IP protocols) with the frame number', async () => {
    const arp = Uint8Array.from([
      ...tcpFrame(SYN_A).subarray(0, 12),
      0x08,
      0x06,
      0,
      1,
      8,
      0,
      6,
      4,
      0,
      1,
      ...Array<number>(20).fill(0),
    ]);
    const igmp = Uint8Array.from(tcpFrame(SYN_A));
    igmp[14 + 9] = 2;
    const { stats } = await meter([
      { ts: 1, bytes: arp },
      { ts: 2, bytes: igmp },
    ]);
    expect(stats.skips.examples()).toEqual({
      'ARP (not metered)': ['frame 1'],
      'IP protocol 2 (not metered)': ['frame 2'],
    });
    expect(stats.packets).toBe(0);
  });
});
