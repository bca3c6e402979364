/**
 * The packet-level anomaly detector (packet-stats features + packet-ae, KitNET) on one core, over a
 * synthetic IoT capture (bench/lib/synthetic-packets.ts, 64 devices, 16 servers, sessions churning):
 *   - generator alone, and packet-stats features alone (fresh extractor), packets/s;
 *   - grace periods (feature map + autoencoder training, default options: 5,000 + 50,000 packets), then the
 *     calibration (20,000 packets scored), packets/s of features + learning, features + scoring;
 *   - after the grace periods: features + scoring packets/s per round of 1 M packets and their median;
 *   - memory: bytes per tracked stream of each table (fixed at construction), streams held and evicted,
 *     RSS after every round (flat = constant memory).
 *
 *   - with --compare, rounds alternate between the default scoring (the WebAssembly SIMD kernel,
 *     `scoring: 'wasm'`) and a baseline after the same features: `--baseline ts` (default) the TypeScript
 *     packed scorer, `--baseline reference` the per-autoencoder pass (`scoreOneReference`, the scoring code
 *     before any packing); the per-pair CPU-time ratios and their median are reported: one command, both
 *     sides, the same load.
 *
 *   node --import tsx bench/packet-ae.ts [--packets 10000000] [--round 1000000] [--compare [--baseline ts|reference]]
 * Prints one JSON line and one human line on stdout.
 */
import { parseArgs } from 'node:util';
import { PacketAe } from '../src/models/packet-ae/packet-ae.js';
import { PacketStats } from '../src/traffic/packet-stats/packet-stats.js';
import { syntheticCapture } from './lib/synthetic-packets.js';
import { timed } from './lib/timed.js';

const { values: args } = parseArgs({
  options: {
    packets: { type: 'string', default: '10000000' },
    round: { type: 'string', default: '1000000' },
    compare: { type: 'boolean', default: false },
    baseline: { type: 'string', default: 'ts' },
  },
});
if (args.baseline !== 'ts' && args.baseline !== 'reference') {
  throw new Error(`--baseline must be ts or reference, not ${args.baseline}`);
}
const totalPackets = Number(args.packets);
const round = Number(args.round);
const rssMiB = (): number => Math.round(process.memoryUsage().rss / 1048576);
const rate = (n: number, seconds: number): number => Math.round(n / seconds);
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Generator and features alone (1 M packets each), so the detector's own share can be read off.
const probe = 1_000_000;
const genOnly = syntheticCapture({ seed: 2 });
const generatorTime = timed(() => {
  for (let i = 0; i < probe; i++) genOnly();
});
const featuresOnly = new PacketStats();
const genForFeatures = syntheticCapture({ seed: 2 });
const featureBuffer = new Float64Array(featuresOnly.nFeatures);
const featuresTime = timed(() => {
  for (let i = 0; i < probe; i++) featuresOnly.extract(genForFeatures(), featureBuffer);
});

// The detector proper.
const next = syntheticCapture({ seed: 1 });
const stats = new PacketStats();
const detector = new PacketAe();
const x = new Float64Array(stats.nFeatures);
const o = detector.options;
const graceTime = timed(() => {
  for (let i = 0; i < o.featureMapGrace + o.detectorGrace; i++) detector.process(stats.extract(next(), x));
});
const calibrationTime = timed(() => {
  for (let i = 0; i < o.calibrationSamples; i++) detector.process(stats.extract(next(), x));
});
if (!detector.ready) throw new Error('detector not calibrated after its grace periods');
const rssAfterGrace = rssMiB();
const rounds: { packetsPerSecond: number; packetsPerCpuSecond: number; rssMiB: number }[] = [];
const baselineRounds: { packetsPerSecond: number; packetsPerCpuSecond: number }[] = [];
let alerts = 0;
let maxScore = 0;
let left = totalPackets - detector.samplesBeforeDetection;
let baselineRound = false;
while (left > 0) {
  const n = Math.min(round, left);
  detector.scoring = baselineRound && args.baseline === 'ts' ? 'ts' : 'wasm';
  const t =
    baselineRound && args.baseline === 'reference'
      ? timed(() => {
          for (let i = 0; i < n; i++) {
            const score = detector.scoreOneReference(stats.extract(next(), x));
            if (detector.isAlert(score)) alerts++;
            if (score > maxScore) maxScore = score;
          }
        })
      : timed(() => {
          for (let i = 0; i < n; i++) {
            const score = detector.process(stats.extract(next(), x));
            if (detector.isAlert(score)) alerts++;
            if (score > maxScore) maxScore = score;
          }
        });
  left -= n;
  const figures = { packetsPerSecond: rate(n, t.wallSeconds), packetsPerCpuSecond: rate(n, t.cpuSeconds) };
  if (baselineRound) baselineRounds.push(figures);
  else rounds.push({ ...figures, rssMiB: rssMiB() });
  if (args.compare) baselineRound = !baselineRound;
}
const pairs = baselineRounds.map((r, i) => rounds[i].packetsPerCpuSecond / r.packetsPerCpuSecond);
const detectionPackets = totalPackets - detector.samplesBeforeDetection;
const result = {
  bench: 'packet-ae',
  packets: totalPackets,
  node: process.version,
  loadAverage: (await import('node:os')).loadavg()[0],
  generatorPacketsPerSecond: rate(probe, generatorTime.wallSeconds),
  featuresOnlyPacketsPerSecond: rate(probe, featuresTime.wallSeconds),
  featuresOnlyPacketsPerCpuSecond: rate(probe, featuresTime.cpuSeconds),
  grace: {
    packets: o.featureMapGrace + o.detectorGrace,
    packetsPerSecond: rate(o.featureMapGrace + o.detectorGrace, graceTime.wallSeconds),
    packetsPerCpuSecond: rate(o.featureMapGrace + o.detectorGrace, graceTime.cpuSeconds),
  },
  calibration: {
    packets: o.calibrationSamples,
    packetsPerSecond: rate(o.calibrationSamples, calibrationTime.wallSeconds),
  },
  detection: {
    packets: detectionPackets,
    medianPacketsPerSecond: median(rounds.map((r) => r.packetsPerSecond)),
    medianPacketsPerCpuSecond: median(rounds.map((r) => r.packetsPerCpuSecond)),
    rounds: rounds.map((r) => r.packetsPerSecond),
    roundsPerCpuSecond: rounds.map((r) => r.packetsPerCpuSecond),
    alerts,
    alertRate: alerts / Math.max(1, detectionPackets),
    threshold: detector.threshold,
    maxScore,
  },
  baseline: args.compare
    ? {
        name: args.baseline,
        medianPacketsPerSecond: median(baselineRounds.map((r) => r.packetsPerSecond)),
        medianPacketsPerCpuSecond: median(baselineRounds.map((r) => r.packetsPerCpuSecond)),
        roundsPerCpuSecond: baselineRounds.map((r) => r.packetsPerCpuSecond),
        cpuRatios: pairs.map((r) => Number(r.toFixed(3))),
        medianCpuRatio: median(pairs),
      }
    : null,
  autoencoders: detector.featureGroups.length,
  memory: {
    statsBytes: stats.memory.totalBytes,
    bytesPerStream: stats.memory.bytesPerStream,
    streams: stats.streamCounts,
    evictions: {
      host: stats.counters.hostEvictions,
      channel: stats.counters.channelEvictions,
      socket: stats.counters.socketEvictions,
    },
    rssAfterGraceMiB: rssAfterGrace,
    rssPerRoundMiB: rounds.map((r) => r.rssMiB),
  },
};
console.log(JSON.stringify(result));
const d = result.detection;
const rss = result.memory.rssPerRoundMiB;
console.log(
  `packet-ae: features + scoring ${d.medianPacketsPerSecond.toLocaleString('en-US')} packets/s (median of ${rounds.length} rounds of ${round.toLocaleString('en-US')}; ${d.medianPacketsPerCpuSecond.toLocaleString('en-US')} per CPU s), ` +
    `grace (features + learning) ${result.grace.packetsPerSecond.toLocaleString('en-US')} packets/s, features alone ${result.featuresOnlyPacketsPerSecond.toLocaleString('en-US')}/s, ` +
    `generator ${result.generatorPacketsPerSecond.toLocaleString('en-US')}/s; ${result.autoencoders} autoencoders; RSS ${Math.min(...rss)}–${Math.max(...rss)} MiB over ${totalPackets.toLocaleString('en-US')} packets; ` +
    `socket evictions ${result.memory.evictions.socket.toLocaleString('en-US')}; alerts ${d.alerts} (${(d.alertRate * 100).toFixed(4)} %)` +
    (result.baseline
      ? `; ${result.baseline.name} scoring ${result.baseline.medianPacketsPerCpuSecond.toLocaleString('en-US')} per CPU s, wasm/${result.baseline.name} median ${result.baseline.medianCpuRatio.toFixed(2)}×`
      : ''),
);
