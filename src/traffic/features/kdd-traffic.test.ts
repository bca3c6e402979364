import { describe, expect, it } from 'vitest';
import { KDD_FEATURE_NAMES } from '../../data/kdd-columns.js';
import type { ConnRecord } from '../conn-record.js';
import {
  KDD_CONTENT_FEATURES,
  KDD_TRAFFIC_COLUMNS,
  KddTrafficExtractor,
  type KddTrafficOptions,
} from './kdd-traffic.js';
import { conn } from './test-records.js';

/** Runs the extractor over a sequence; returns each row as { column: value }. */
function rows(records: ConnRecord[], options: KddTrafficOptions = {}): Record<string, number | string>[] {
  const x = new KddTrafficExtractor(options);
  const out: (number | string)[] = [];
  return records.map((r) => {
    x.next(r, out);
    return Object.fromEntries(KDD_TRAFFIC_COLUMNS.map((c, i) => [c.name, out[i]]));
  });
}

// A: 10.0.0.1 port 1000, B: 10.0.0.2 port 2000, C: 10.0.0.3 port 1000. H1, H2: two destination hosts.
const A = { origH: '10.0.0.1', origP: 1000 };
const B = { origH: '10.0.0.2', origP: 2000 };
const C = { origH: '10.0.0.3', origP: 1000 };
const SEQUENCE = [
  conn({ ...A, ts: 0.0, respH: 'H1', respP: 80, connState: 'S0' }),
  conn({ ...B, ts: 0.5, respH: 'H1', respP: 80, connState: 'SF' }),
  conn({ ...A, ts: 1.0, respH: 'H1', respP: 22, connState: 'REJ' }),
  conn({ ...A, ts: 1.5, respH: 'H2', respP: 80, connState: 'SF' }),
  conn({ ...C, ts: 3.0, respH: 'H1', respP: 80, connState: 'SF' }),
];

describe('kdd-traffic columns', () => {
  it('are NSL-KDD’s 41 in order without the 13 content features', () => {
    expect(KDD_TRAFFIC_COLUMNS.map((c) => c.name)).toEqual(
      KDD_FEATURE_NAMES.filter((name) => !KDD_CONTENT_FEATURES.includes(name)),
    );
    expect(KDD_TRAFFIC_COLUMNS).toHaveLength(28);
    expect(KDD_TRAFFIC_COLUMNS.filter((c) => c.type === 'categorical').map((c) => c.name)).toEqual([
      'protocol_type',
      'service',
      'flag',
    ]);
  });
});

describe('kdd-traffic basic features', () => {
  it('maps duration, protocol, service, flag, bytes, land, wrong_fragment and urgent', () => {
    const [tcp, udp, icmp, land, rstrh, unknown] = rows([
      conn({ duration: 2.9, origBytes: 149, respBytes: null, respP: 443, connState: 'S1' }),
      conn({ proto: 'udp', respP: 53, connState: 'S0', duration: null }),
      conn({ proto: 'icmp', origP: 8, respP: 0, connState: 'OTH' }),
      conn({ origH: '1.1.1.1', respH: '1.1.1.1', origP: 7, respP: 7, wrongFragments: 2, urgentPackets: 1 }),
      conn({ respP: 31337, connState: 'RSTRH' }),
      conn({ respP: 999, connState: '' }),
    ]);
    expect(tcp).toMatchObject({
      duration: 2,
      protocol_type: 'tcp',
      service: 'http_443',
      flag: 'S1',
      src_bytes: 149,
      dst_bytes: 0,
      land: 0,
    });
    expect(udp).toMatchObject({ duration: 0, protocol_type: 'udp', service: 'domain_u', flag: 'SF' });
    expect(icmp).toMatchObject({ protocol_type: 'icmp', service: 'eco_i', flag: 'SF' });
    expect(land).toMatchObject({ land: 1, wrong_fragment: 2, urgent: 1, service: 'echo' });
    expect(rstrh).toMatchObject({ service: 'other', flag: 'RSTR' });
    expect(unknown).toMatchObject({ service: 'private', flag: 'OTH' });
  });
});

describe('kdd-traffic time-based features (2 s window)', () => {
  const r = rows(SEQUENCE);

  it('count: connections to the same host in the last 2 s, this one included', () => {
    expect(r.map((x) => x.count)).toEqual([1, 2, 3, 1, 2]); // at t=3 the t=0 and t=0.5 ones have left
  });

  it('srv_count: connections to the same service (protocol + port) in the last 2 s', () => {
    expect(r.map((x) => x.srv_count)).toEqual([1, 2, 1, 3, 2]);
  });

  it('serror_rate / srv_serror_rate: share with flag S0–S3 among count / srv_count', () => {
    expect(r.map((x) => x.serror_rate)).toEqual([1, 1 / 2, 1 / 3, 0, 0]);
    expect(r.map((x) => x.srv_serror_rate)).toEqual([1, 1 / 2, 0, 1 / 3, 0]);
  });

  it('rerror_rate / srv_rerror_rate: share with flag REJ among count / srv_count', () => {
    expect(r.map((x) => x.rerror_rate)).toEqual([0, 0, 1 / 3, 0, 1 / 2]);
    expect(r.map((x) => x.srv_rerror_rate)).toEqual([0, 0, 1, 0, 0]);
  });

  it('same_srv_rate / diff_srv_rate: share of count to the same / another service', () => {
    expect(r.map((x) => x.same_srv_rate)).toEqual([1, 1, 1 / 3, 1, 1 / 2]);
    expect(r.map((x) => x.diff_srv_rate)).toEqual([0, 0, 2 / 3, 0, 1 / 2]);
  });

  it('srv_diff_host_rate: share of srv_count going to another host', () => {
    expect(r.map((x) => x.srv_diff_host_rate)).toEqual([0, 0, 0, 2 / 3, 1 / 2]);
  });

  it('keeps the connection exactly 2 s old and honours windowSeconds', () => {
    const pair = [conn({ ts: 10 }), conn({ ts: 12 })];
    expect(rows(pair).map((x) => x.count)).toEqual([1, 2]);
    expect(rows(pair, { windowSeconds: 1 }).map((x) => x.count)).toEqual([1, 1]);
  });
});

describe('kdd-traffic host-based features (last N connections)', () => {
  // With a 4-connection window, the fifth connection no longer sees the first (the S0 one).
  const last = rows(SEQUENCE, { hostWindow: 4 })[4];
  const all = rows(SEQUENCE, { hostWindow: 100 })[4];

  it('dst_host_count: connections to the same host among the last N', () => {
    expect(last.dst_host_count).toBe(3);
    expect(all.dst_host_count).toBe(4);
  });

  it('dst_host_srv_count: connections to the same service among the last N, any host', () => {
    expect(last.dst_host_srv_count).toBe(3);
    expect(all.dst_host_srv_count).toBe(4);
  });

  it('dst_host_same_srv_rate / dst_host_diff_srv_rate: of dst_host_count, same / other service', () => {
    expect([last.dst_host_same_srv_rate, last.dst_host_diff_srv_rate]).toEqual([2 / 3, 1 / 3]);
    expect([all.dst_host_same_srv_rate, all.dst_host_diff_srv_rate]).toEqual([3 / 4, 1 / 4]);
  });

  it('dst_host_same_src_port_rate: of dst_host_srv_count, same source port', () => {
    expect(last.dst_host_same_src_port_rate).toBe(2 / 3); // ports 2000, 1000, 1000
    expect(all.dst_host_same_src_port_rate).toBe(3 / 4);
  });

  it('dst_host_srv_diff_host_rate: of dst_host_srv_count, another destination host', () => {
    expect(last.dst_host_srv_diff_host_rate).toBe(1 / 3);
    expect(all.dst_host_srv_diff_host_rate).toBe(1 / 4);
  });

  it('dst_host_serror_rate / dst_host_srv_serror_rate: S0–S3 among the host / service group', () => {
    expect([last.dst_host_serror_rate, last.dst_host_srv_serror_rate]).toEqual([0, 0]);
    expect([all.dst_host_serror_rate, all.dst_host_srv_serror_rate]).toEqual([1 / 4, 1 / 4]);
  });

  it('dst_host_rerror_rate / dst_host_srv_rerror_rate: REJ among the host / service group', () => {
    expect([last.dst_host_rerror_rate, last.dst_host_srv_rerror_rate]).toEqual([1 / 3, 0]);
    expect([all.dst_host_rerror_rate, all.dst_host_srv_rerror_rate]).toEqual([1 / 4, 0]);
  });
});

describe('kdd-traffic memory bounds', () => {
  it('caps connections per key and the number of keys, counting evictions', () => {
    const burst = Array.from({ length: 20 }, (_, i) => conn({ ts: 1 + i * 0.001 }));
    expect(
      rows(burst, { maxPerKey: 5 })
        .map((x) => x.count)
        .slice(-3),
    ).toEqual([5, 5, 5]);

    const x = new KddTrafficExtractor({ maxKeys: 10, hostWindow: 8 });
    const out: (number | string)[] = [];
    for (let i = 0; i < 1000; i++) x.next(conn({ ts: 5 + i * 1e-4, respH: `h${i}`, respP: i }), out);
    expect(x.evictedKeys).toBeGreaterThan(0);
    const held = x.held;
    expect(held.timeHosts).toBeLessThanOrEqual(10);
    expect(held.timeServices).toBeLessThanOrEqual(10);
    expect(held.lastHosts).toBeLessThanOrEqual(8);
    expect(held.lastServices).toBeLessThanOrEqual(8);
    expect(out[9]).toBe(1); // the newest host's own window is intact
    expect(out[18]).toBe(1);
  });

  it('forgets hosts whose connections left the 2 s window', () => {
    const x = new KddTrafficExtractor({ hostWindow: 4 });
    const out: (number | string)[] = [];
    for (let i = 0; i < 10_000; i++) x.next(conn({ ts: i * 0.01, respH: `h${i}`, respP: i % 1000 }), out);
    // 2 s hold about 200 connections; the sweep every 4,096 records leaves at most ~4,300 keys.
    expect(x.held.timeHosts).toBeLessThan(4_400);
    expect(x.held.lastHosts).toBe(4);
    expect(x.evictedKeys).toBe(0);
  });

  it('counts records older than one already seen', () => {
    const x = new KddTrafficExtractor();
    const out: (number | string)[] = [];
    for (const ts of [1, 2, 1.5, 3]) x.next(conn({ ts }), out);
    expect(x.outOfOrder).toBe(1);
  });
});
