/**
 * packet-stats + packet-ae (KitNET) on the shared Mirai-style capture: grace periods on its benign first part,
 * then every later packet scored; ROC-AUC, detection rate and false alarms at the fitted threshold, false alarms
 * per hour, delay to the first alert, alerts folded per source and minute, and the per-packet score chart.
 *
 * Labels (no per-packet ground truth ships with the capture; this is how they are decided): the scanning host is
 * 192.168.2.16 (the data README) and its scan starts with the first SYN it sends to TCP 23, 2323 or 8080. A
 * packet is malicious when it is TCP, at or after that packet, and either a SYN without ACK from 192.168.2.16
 * or a packet to/from 192.168.2.16 whose remote port is 23, 2323, 8080 or 9527 (the scan's ports and the
 * answers to it). Every other packet is benign — including 192.168.2.16's own ordinary traffic.
 *
 * With --flow-model DIR (a saved model on `conn` features, e.g. `iot-ids train -d iot-23 -m rf -t binary`,
 * with its zero-day detector from `iot-ids zero-day --model-dir DIR`), the same capture is also metered into
 * connection records (interim every 2 s; each record stamped with the capture time the meter emits it) and
 * the flow classifier and the flow zero-day autoencoder are scored on the records emitted after the scan
 * starts (rates over final records, the delay from any record, interim ones included). A record is malicious when it comes from 192.168.2.16, starts at or after the scan's first SYN,
 * and goes to one of the scan's ports or was never answered (state S0, REJ, RSTOS0, SH, OTH): the packet
 * rule above, per connection.
 *
 *   IOT_IDS_DATA_DIR=../shared/data node --import tsx bench/packet-ae-results.ts [--out reports/packet-ae] [--seeds 1,2,3] [--false-alarm-rate 0.0001] [--flow-model DIR]
 * Prints one JSON line and one human line (one more per flow detector); writes <out>/test7-scores.svg.
 */
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Detector } from '../src/detection/detector.js';
import { rocAucBinary } from '../src/evaluate/roc.js';
import { loadZeroDay } from '../src/models/zero-day/zero-day-dir.js';
import { buildFeatureTable } from '../src/traffic/features/feature-table.js';
import { meterWithTimes } from './lib/meter-with-times.js';
import { PacketAlertAggregator } from '../src/models/packet-ae/alert-aggregator.js';
import { PacketAe } from '../src/models/packet-ae/packet-ae.js';
import { packetScoreSeriesSpec } from '../src/report/charts.js';
import { renderSvg } from '../src/report/render.js';
import { PacketStats } from '../src/traffic/packet-stats/packet-stats.js';
import type { PacketView } from '../src/traffic/packet-view.js';
import { readPackets } from '../src/traffic/read-packets.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'reports/packet-ae' },
    seeds: { type: 'string', default: '1,2,3' },
    'false-alarm-rate': { type: 'string', default: '0.0001' },
    'flow-model': { type: 'string' },
  },
});
const dataDir = process.env.IOT_IDS_DATA_DIR ?? '../shared/data';
const path = join(dataDir, 'traffic/slips/test7-malicious.pcap');
const SCANNER = '192.168.2.16';
const SCAN_PORTS = new Set([23, 2323, 8080, 9527]);

interface Packet {
  index: number;
  ts: number;
  src: string;
  malicious: boolean;
}

let scanStarted = false;
function isMalicious(p: PacketView): boolean {
  if (p.protocol !== 6 || p.ipVersion === 0) return false;
  const synOnly = (p.tcpFlags & 0x12) === 0x02;
  if (
    !scanStarted &&
    p.srcIp === SCANNER &&
    synOnly &&
    (p.dstPort === 23 || p.dstPort === 2323 || p.dstPort === 8080)
  ) {
    scanStarted = true;
  }
  if (!scanStarted) return false;
  if (p.srcIp === SCANNER) return synOnly || SCAN_PORTS.has(p.dstPort);
  if (p.dstIp === SCANNER) return SCAN_PORTS.has(p.srcPort);
  return false;
}

// Read once: feature vectors (the extractor has no randomness) and labels; every seed reuses them.
const stats = new PacketStats();
const packets: Packet[] = [];
const vectors: Float64Array[] = [];
const summary = await readPackets(createReadStream(path), {
  file: path,
  onPacket: (p) => {
    packets.push({ index: p.index, ts: p.ts, src: p.srcIp, malicious: isMalicious(p) });
    vectors.push(stats.extract(p));
  },
});
const firstAttack = packets.findIndex((p) => p.malicious);
if (firstAttack < 0) throw new Error(`no scan packet found in ${path}`);
// All grace periods inside the benign part: 10 % feature map, 65 % training, 25 % calibration.
const featureMapGrace = Math.floor(firstAttack * 0.1);
const detectorGrace = Math.floor(firstAttack * 0.65);
const calibrationSamples = firstAttack - featureMapGrace - detectorGrace;
const falseAlarmRate = Number(args['false-alarm-rate']);

interface SeedResult {
  seed: number;
  rocAuc: number | null;
  detectionRate: number;
  falseAlarmRate: number;
  falseAlarmsPerHour: number;
  delaySeconds: number | null;
  delayPackets: number | null;
  alerts: { source: string; windowStart: number; count: number }[];
  threshold: number;
  scores: Float64Array;
}

function runSeed(seed: number): SeedResult {
  const detector = new PacketAe({
    featureMapGrace,
    detectorGrace,
    calibrationSamples,
    falseAlarmRate,
    maxAutoencoderInputs: 10,
    seed,
  });
  const aggregator = new PacketAlertAggregator(60);
  const scores = new Float64Array(packets.length);
  const alerts: SeedResult['alerts'] = [];
  for (let i = 0; i < packets.length; i++) {
    const score = detector.process(vectors[i]);
    scores[i] = score;
    const p = packets[i];
    const closed =
      i >= firstAttack && detector.isAlert(score)
        ? aggregator.add(p.src, p.ts, p.index, score)
        : aggregator.advance(p.ts);
    alerts.push(...closed);
  }
  alerts.push(...aggregator.drain());
  if (!detector.ready) throw new Error('the detector did not finish its grace periods');
  const threshold = detector.threshold as number;
  const after = packets.slice(firstAttack);
  const afterScores = scores.subarray(firstAttack);
  const labels = after.map((p) => p.malicious);
  let tp = 0;
  let fp = 0;
  let positives = 0;
  let firstAlert: number | null = null;
  after.forEach((p, i) => {
    const alert = afterScores[i] > threshold;
    if (p.malicious) {
      positives++;
      if (alert) {
        tp++;
        firstAlert ??= i;
      }
    } else if (alert) fp++;
  });
  const negatives = after.length - positives;
  const hours = (after[after.length - 1].ts - after[0].ts) / 3600;
  return {
    seed,
    rocAuc: rocAucBinary(afterScores, labels),
    detectionRate: tp / positives,
    falseAlarmRate: fp / negatives,
    falseAlarmsPerHour: fp / hours,
    delaySeconds: firstAlert === null ? null : after[firstAlert].ts - after[0].ts,
    delayPackets: firstAlert,
    alerts: alerts.map((a) => ({ source: a.source, windowStart: a.windowStart, count: a.count })),
    threshold,
    scores,
  };
}

const seeds = args.seeds.split(',').map(Number);
const results = seeds.map(runSeed);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const std = (values: number[]): number => {
  const m = mean(values);
  return values.length > 1
    ? Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1))
    : 0;
};
const summaryOf = (pick: (r: SeedResult) => number | null): { mean: number; std: number } | null => {
  const values = results.map(pick).filter((v): v is number => v !== null);
  return values.length ? { mean: mean(values), std: std(values) } : null;
};

await mkdir(args.out, { recursive: true });
const chartPath = join(args.out, 'test7-scores.svg');
await writeFile(
  chartPath,
  await renderSvg(
    packetScoreSeriesSpec({
      context: {
        dataset: 'slips test7-malicious.pcap',
        task: 'anomaly (no labels used)',
        protocol: `grace on the first ${firstAttack} packets`,
        split: 'whole capture',
        seeds: [seeds[0]],
      },
      model: 'packet-ae',
      scores: results[0].scores,
      threshold: results[0].threshold,
      attacks: [
        { first: firstAttack + 1, last: packets.length, label: 'scan from 192.168.2.16 (mixed with benign)' },
      ],
      grace: { first: 1, last: firstAttack, label: 'grace periods' },
    }),
  ),
);

const malicious = packets.filter((p) => p.malicious).length;
const out = {
  bench: 'packet-ae-results',
  capture: path,
  decodedPackets: packets.length,
  frames: summary.frames,
  skipped: summary.frames - summary.decoded,
  firstAttackPacket: firstAttack + 1,
  grace: { featureMapGrace, detectorGrace, calibrationSamples, falseAlarmRate },
  afterGrace: {
    packets: packets.length - firstAttack,
    malicious,
    benign: packets.length - firstAttack - malicious,
  },
  seeds,
  rocAuc: summaryOf((r) => r.rocAuc),
  detectionRate: summaryOf((r) => r.detectionRate),
  falseAlarmRate: summaryOf((r) => r.falseAlarmRate),
  falseAlarmsPerHour: summaryOf((r) => r.falseAlarmsPerHour),
  delaySeconds: summaryOf((r) => r.delaySeconds),
  perSeed: results.map(({ scores: _scores, ...r }) => ({
    ...r,
    alertGroups: r.alerts.length,
    alerts: r.alerts.slice(0, 5),
  })),
  chart: chartPath,
};
console.log(JSON.stringify(out));
const f = (s: { mean: number; std: number } | null, digits = 3): string =>
  s ? `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}` : 'n/a';
console.log(
  `packet-ae on test7 (${packets.length} packets, grace ${firstAttack}, ${malicious} scan packets after): ROC-AUC ${f(out.rocAuc)}, detection rate ${f(out.detectionRate)}, false-alarm rate ${f(out.falseAlarmRate)}, false alarms/hour ${f(out.falseAlarmsPerHour, 1)}, delay to first alert ${f(out.delaySeconds, 2)} s; seeds ${seeds.join(',')}; chart ${chartPath}`,
);

if (args['flow-model']) {
  const modelDir = args['flow-model'];
  const scanStart = packets[firstAttack].ts;
  const detector = await Detector.load(modelDir);
  const zeroDay = await loadZeroDay(modelDir, detector.manifest);
  const { records } = await meterWithTimes(path, 2);
  const after = records.filter((r) => r.at >= scanStart);
  const { table } = buildFeatureTable(
    after.map((r) => r.record),
    'conn',
    { sortByTime: false, labelOf: () => 'normal' },
  );
  const scored = await detector.scoreTable(table);
  const errors = await zeroDay.score(detector.pipeline.transform(table).x);
  const k = detector.classes.length;
  const normal = detector.classes.indexOf(detector.rules.normalClass);
  const UNANSWERED = new Set(['S0', 'REJ', 'RSTOS0', 'SH', 'OTH']);
  const labels = after.map(
    ({ record: r }) =>
      r.origH === SCANNER && r.ts >= scanStart && (SCAN_PORTS.has(r.respP) || UNANSWERED.has(r.connState)),
  );
  const hours = (packets[packets.length - 1].ts - scanStart) / 3600;
  const flowFigures = (name: string, scores: ArrayLike<number>, alerts: ArrayLike<number | boolean>) => {
    let tp = 0;
    let fp = 0;
    let positives = 0;
    let first: number | null = null;
    const falseGroups = new Set<string>();
    // Rates over final records only (a probe left open is re-scored every 2 s until its timeout, which
    // would count it dozens of times); the first alert from any record, interim ones included.
    const finals: number[] = [];
    after.forEach(({ record, at }, i) => {
      if (labels[i] && alerts[i]) first = first === null ? at : Math.min(first, at);
      if (record.interim) return;
      finals.push(i);
      if (labels[i]) {
        positives++;
        if (alerts[i]) tp++;
      } else if (alerts[i]) {
        fp++;
        falseGroups.add(`${record.origH} ${Math.floor(at / 60)}`);
      }
    });
    return {
      detector: name,
      records: finals.length,
      malicious: positives,
      rocAuc: rocAucBinary(
        finals.map((i) => scores[i]),
        finals.map((i) => labels[i]),
      ),
      detectionRate: tp / Math.max(1, positives),
      falseAlarmRate: fp / Math.max(1, finals.length - positives),
      falseAlertsPerHour: falseGroups.size / hours,
      delaySeconds: first === null ? null : (first as number) - scanStart,
    };
  };
  const attackScore = Float64Array.from(
    { length: table.nRows },
    (_, i) => 1 - scored.probabilities.data[i * k + normal],
  );
  const flows = [
    flowFigures(
      `flow classifier (${detector.manifest.kind}, ${detector.manifest.dataset})`,
      attackScore,
      scored.alerts,
    ),
    flowFigures(
      'flow zero-day autoencoder',
      errors,
      Array.from(errors, (e) => e > zeroDay.threshold),
    ),
  ];
  zeroDay.dispose();
  await detector.dispose();
  console.log(JSON.stringify({ bench: 'packet-ae-results/flows', model: modelDir, flows }));
  for (const f of flows) {
    console.log(
      `${f.detector} on test7 (${f.records} final records emitted after the scan's start, ${f.malicious} of them the scan's): ROC-AUC ${f.rocAuc === null ? 'n/a' : f.rocAuc.toFixed(3)}, detection rate ${f.detectionRate.toFixed(3)}, false-alarm rate ${f.falseAlarmRate.toFixed(3)}, false alerts/hour ${f.falseAlertsPerHour.toFixed(1)}, delay to first alert ${f.delaySeconds === null ? 'n/a' : `${f.delaySeconds.toFixed(2)} s`}`,
    );
  }
}
