import { describe, expect, it } from 'vitest';
import { PacketStats } from '../../traffic/packet-stats/packet-stats.js';
import { makePacket } from '../../traffic/packet-stats/test-packets.js';
import type { PacketView } from '../../traffic/packet-view.js';
import { Random } from '../../util/random.js';
import { PacketAlertAggregator } from './alert-aggregator.js';
import { PacketAe } from './packet-ae.js';

/** Eight devices polling two servers with request/reply pairs, about 50 packets a second. */
function benignTraffic(random: Random): (t: number) => PacketView {
  return (t) => {
    const device = random.int(8);
    const server = random.int(2);
    const reply = random.next() < 0.5;
    const deviceIp = `192.168.1.${10 + device}`;
    const serverIp = `10.9.0.${1 + server}`;
    const size = server === 0 ? 90 + random.int(20) : 400 + random.int(200);
    return makePacket({
      ts: t,
      wireLength: size,
      srcIp: reply ? serverIp : deviceIp,
      dstIp: reply ? deviceIp : serverIp,
      srcMac: reply ? 0xff : device + 1,
      dstMac: reply ? device + 1 : 0xff,
      protocol: server === 0 ? 17 : 6,
      srcPort: reply ? (server === 0 ? 53 : 443) : 40_000 + device,
      dstPort: reply ? 40_000 + device : server === 0 ? 53 : 443,
    });
  };
}

describe('packet-stats → packet-ae on a synthetic capture', () => {
  it('learns benign traffic, stays quiet on it and alerts on a port scan from one source', () => {
    const random = new Random(8);
    const benign = benignTraffic(random);
    const stats = new PacketStats();
    const detector = new PacketAe({ featureMapGrace: 500, detectorGrace: 8000, calibrationSamples: 3000 });
    const x = new Float64Array(stats.nFeatures);
    let t = 1_700_000_000;
    // 11,500 packets ≈ 230 s of traffic: the grace covers the slower windows' time scales reasonably.
    for (let i = 0; i < detector.samplesBeforeDetection; i++) {
      t += 0.02;
      detector.process(stats.extract(benign(t), x));
    }
    expect(detector.phase).toBe('detecting');
    let benignAlerts = 0;
    for (let i = 0; i < 3000; i++) {
      t += 0.02;
      if (detector.isAlert(detector.process(stats.extract(benign(t), x)))) benignAlerts++;
    }
    const aggregator = new PacketAlertAggregator(10);
    const scanScores: number[] = [];
    for (let port = 1; port <= 500; port++) {
      t += 0.002;
      const probe = makePacket({
        ts: t,
        wireLength: 60,
        srcIp: '192.168.1.66',
        srcMac: 0x66,
        dstIp: '192.168.1.10',
        dstMac: 1,
        protocol: 6,
        srcPort: 51_000,
        dstPort: port,
        tcpFlags: 0x02,
      });
      const score = detector.process(stats.extract(probe, x));
      scanScores.push(score);
      if (detector.isAlert(score)) aggregator.add(probe.srcIp, t, port, score);
    }
    scanScores.sort((a, b) => a - b);
    const medianScan = scanScores[scanScores.length >> 1];
    expect(benignAlerts / 3000).toBeLessThan(0.01);
    expect(medianScan).toBeGreaterThan(detector.threshold ?? Number.POSITIVE_INFINITY);
    const alerts = aggregator.drain();
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts.every((a) => a.source === '192.168.1.66')).toBe(true);
    expect(alerts.reduce((n, a) => n + a.count, 0)).toBeGreaterThan(250);
  });
});
