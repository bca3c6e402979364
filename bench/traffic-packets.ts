/**
 * Packet path throughput and memory: `node --import tsx bench/traffic-packets.ts`. Streams a synthetic
 * pcap of TRAFFIC_PACKETS packets (default 10 M; generated in memory chunk by chunk, see
 * lib/synthetic-capture.ts) through reader → decoder → connection meter → connection records, TRAFFIC_REPEATS
 * times (default 3), and reports packets/s (median), the generator's own speed (measured alone, so the
 * path's share can be told apart) and RSS sampled every million packets (flat memory = bounded tables).
 * TRAFFIC_PREGENERATED (default 1 M) packets are also generated up front and timed on the path alone.
 * Prints one JSON line, then one human-readable line.
 */
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { meterCapture } from '../src/traffic/meter-capture.js';
import { syntheticCapture } from './lib/synthetic-capture.js';
import { KddTrafficExtractor } from '../src/traffic/features/kdd-traffic.js';
import { median } from './lib/nsl-kdd-matrices.js';

const packets = Number(process.env.TRAFFIC_PACKETS ?? 10_000_000);
const repeats = Number(process.env.TRAFFIC_REPEATS ?? 3);
const mib = (n: number) => Math.round(n / 1048576);

/** The generator alone: wall and CPU packets/s, so its share of a path run can be taken out. */
function generatorOnly(): { pps: number; cpuPps: number } {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let bytes = 0;
  for (const chunk of syntheticCapture(packets)) bytes += chunk.length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (bytes === 0) throw new Error('empty synthetic capture');
  return { pps: packets / seconds, cpuPps: packets / ((cpu.user + cpu.system) / 1e6) };
}

interface PathRun {
  pps: number;
  /** Packets per CPU second of this process (user + system): less sensitive to a loaded machine. */
  cpuPps: number;
  records: number;
  rssMiB: number[];
  summary: unknown;
}

async function pathRun(): Promise<PathRun> {
  const rssMiB: number[] = [];
  let seen = 0;
  let records = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const summary = await meterCapture(Readable.from(syntheticCapture(packets)), {
    onRecord: () => records++,
    onPacket: () => {
      if (++seen % 1_000_000 === 0) rssMiB.push(mib(process.memoryUsage.rss()));
    },
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return {
    pps: packets / seconds,
    cpuPps: packets / ((cpu.user + cpu.system) / 1e6),
    records,
    rssMiB,
    summary,
  };
}

/**
 * The path alone on PREGENERATED packets generated before timing (about 110 bytes each stay in memory, so
 * this run's RSS is not the streaming figure): no generator work interleaved with the path's.
 */
const PREGENERATED = Number(process.env.TRAFFIC_PREGENERATED ?? 1_000_000);
async function pregeneratedRun(
  chunks: Buffer[],
  withFeatures: boolean,
): Promise<{ pps: number; cpuPps: number }> {
  // With features, every record also goes through the streaming `kdd-traffic` extractor (28 features,
  // 2-second and 100-connection windows): the goal is packets → records → features.
  const extractor = new KddTrafficExtractor();
  const row: (number | string)[] = [];
  const onRecord = withFeatures
    ? (r: Parameters<typeof extractor.next>[0]) => extractor.next(r, row)
    : () => {};
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await meterCapture(Readable.from(chunks), { onRecord });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { pps: PREGENERATED / seconds, cpuPps: PREGENERATED / ((cpu.user + cpu.system) / 1e6) };
}

const load = loadavg()[0];
const generator = generatorOnly();
const genPps = generator.pps;
const runs: PathRun[] = [];
for (let i = 0; i < repeats; i++) runs.push(await pathRun());
const pps = runs.map((r) => r.pps);
const chunks = [...syntheticCapture(PREGENERATED)];
const pre: { pps: number; cpuPps: number }[] = [];
const preFeatures: { pps: number; cpuPps: number }[] = [];
for (let i = 0; i < repeats; i++) {
  pre.push(await pregeneratedRun(chunks, false));
  preFeatures.push(await pregeneratedRun(chunks, true));
}
const result = {
  bench: 'traffic-packets',
  packets,
  repeats,
  packetsPerSecond: pps.map(Math.round),
  packetsPerSecondMedian: Math.round(median(pps)),
  packetsPerCpuSecond: runs.map((r) => Math.round(r.cpuPps)),
  packetsPerCpuSecondMedian: Math.round(median(runs.map((r) => r.cpuPps))),
  generatorOnlyPacketsPerSecond: Math.round(genPps),
  generatorOnlyPacketsPerCpuSecond: Math.round(generator.cpuPps),
  // CPU seconds per packet of a run minus the generator's own: the reader → decoder → meter path alone.
  pathOnlyPacketsPerCpuSecondMedian: Math.round(
    1 / (1 / median(runs.map((r) => r.cpuPps)) - 1 / generator.cpuPps),
  ),
  pregeneratedPackets: PREGENERATED,
  pregeneratedPacketsPerSecondMedian: Math.round(median(pre.map((r) => r.pps))),
  pregeneratedPacketsPerCpuSecondMedian: Math.round(median(pre.map((r) => r.cpuPps))),
  pregeneratedWithKddTrafficPacketsPerSecondMedian: Math.round(median(preFeatures.map((r) => r.pps))),
  pregeneratedWithKddTrafficPacketsPerCpuSecondMedian: Math.round(median(preFeatures.map((r) => r.cpuPps))),
  connections: runs[0].records,
  rssMiBEveryMillionPackets: runs.at(-1)!.rssMiB,
  peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
  loadAverage1m: Number(load.toFixed(2)),
  loadAverage1mAfter: Number(loadavg()[0].toFixed(2)),
  summary: runs[0].summary,
};
console.log(JSON.stringify(result));
console.log(
  `traffic packets: ${(result.packetsPerSecondMedian / 1e6).toFixed(2)} M packets/s median of ${repeats} ` +
    `(${result.packetsPerSecond.map((p) => (p / 1e6).toFixed(2)).join(' / ')}; ` +
    `${(result.packetsPerCpuSecondMedian / 1e6).toFixed(2)} M per CPU second, ` +
    `${(result.pathOnlyPacketsPerCpuSecondMedian / 1e6).toFixed(2)} M without the generator's share; generator alone ` +
    `${(genPps / 1e6).toFixed(2)} M/s; pre-generated ${(result.pregeneratedPacketsPerSecondMedian / 1e6).toFixed(2)} M/s, ` +
    `${(result.pregeneratedPacketsPerCpuSecondMedian / 1e6).toFixed(2)} M per CPU second; with kdd-traffic features ` +
    `${(result.pregeneratedWithKddTrafficPacketsPerSecondMedian / 1e6).toFixed(2)} M/s), ${result.connections} connections, RSS ${result.rssMiBEveryMillionPackets.join(' → ')} MiB, ` +
    `load ${result.loadAverage1m}`,
);
