/**
 * Packet path throughput and memory: `node --import tsx bench/traffic-packets.ts`. Streams a synthetic
 * pcap of TRAFFIC_PACKETS packets (default 10 M; generated in memory chunk by chunk, see
 * lib/synthetic-capture.ts) through reader → decoder → connection meter → connection records, TRAFFIC_REPEATS
 * times (default 3), and reports packets/s (median), the generator's own speed (measured alone, so the
 * path's share can be told apart) and RSS sampled every million packets (flat memory = bounded tables).
 * Prints one JSON line, then one human-readable line.
 */
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { meterCapture } from '../src/traffic/meter-capture.js';
import { syntheticCapture } from './lib/synthetic-capture.js';
import { median } from './lib/nsl-kdd-matrices.js';

const packets = Number(process.env.TRAFFIC_PACKETS ?? 10_000_000);
const repeats = Number(process.env.TRAFFIC_REPEATS ?? 3);
const mib = (n: number) => Math.round(n / 1048576);

function generatorOnly(): number {
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  for (const chunk of syntheticCapture(packets)) bytes += chunk.length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (bytes === 0) throw new Error('empty synthetic capture');
  return packets / seconds;
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

const load = loadavg()[0];
const genPps = generatorOnly();
const runs: PathRun[] = [];
for (let i = 0; i < repeats; i++) runs.push(await pathRun());
const pps = runs.map((r) => r.pps);
const result = {
  bench: 'traffic-packets',
  packets,
  repeats,
  packetsPerSecond: pps.map(Math.round),
  packetsPerSecondMedian: Math.round(median(pps)),
  packetsPerCpuSecond: runs.map((r) => Math.round(r.cpuPps)),
  packetsPerCpuSecondMedian: Math.round(median(runs.map((r) => r.cpuPps))),
  generatorOnlyPacketsPerSecond: Math.round(genPps),
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
    `${(result.packetsPerCpuSecondMedian / 1e6).toFixed(2)} M per CPU second; generator alone ` +
    `${(genPps / 1e6).toFixed(2)} M/s), ${result.connections} connections, RSS ${result.rssMiBEveryMillionPackets.join(' → ')} MiB, ` +
    `load ${result.loadAverage1m}`,
);
