/**
 * Flow-log throughput: `node --import tsx bench/traffic-logs.ts`. Builds a large Zeek conn.log in memory
 * from the IoT-23 capture's rows (repeated with their timestamps shifted past the previous copy, so the log
 * stays a plausible day-after-day stream; a synthetic log when the file is absent), then times on one core:
 * (a) reading it into ConnRecords (`openFlowLog`, 64 KiB chunks) and (b) reading it and computing the
 * `kdd-traffic` features of every record (streaming extractor, no table). Runs alternate a/b; medians reported.
 * Environment: IOT_IDS_DATA_DIR (default ../shared/data), TRAFFIC_BENCH_RECORDS (1,000,000),
 * TRAFFIC_BENCH_RUNS (5). Prints one JSON line, then one human-readable line. Goal: (b) ≥ 300 k records/s.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KddTrafficExtractor } from '../src/traffic/features/kdd-traffic.js';
import { openFlowLog } from '../src/traffic/logs/read-flow-log.js';
import { benchDataDir, median, peakRssMiB } from './lib/nsl-kdd-matrices.js';

const wanted = Number(process.env.TRAFFIC_BENCH_RECORDS ?? 1_000_000);
const runs = Number(process.env.TRAFFIC_BENCH_RUNS ?? 5);
const iot23 = join(benchDataDir, 'traffic/iot-23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz');

function buildLog(): { source: string; chunks: Buffer[]; records: number } {
  let header: string[];
  let rows: string[];
  let source: string;
  if (existsSync(iot23)) {
    const lines = gunzipSync(readFileSync(iot23)).toString('utf8').split('\n');
    header = lines.filter((l) => l.startsWith('#') && !l.startsWith('#close'));
    rows = lines.filter((l) => l.length > 0 && !l.startsWith('#'));
    source = 'IoT-23 CTU-IoT-Malware-Capture-34-1 rows, repeated';
  } else {
    header = [
      '#separator \\x09',
      '#unset_field\t-',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
    ];
    rows = Array.from({ length: 20_000 }, (_, i) =>
      [
        1545403816 + i * 0.05,
        `C${i}`,
        `192.168.1.${i % 200}`,
        40000 + (i % 20000),
        `10.0.${i % 7}.${i % 13}`,
        [80, 443, 23, 53][i % 4],
        i % 4 === 3 ? 'udp' : 'tcp',
        '-',
        (i % 10) / 3,
        i % 500,
        i % 900,
        ['S0', 'SF', 'REJ'][i % 3],
        '-',
        '-',
        0,
        'ShADadFf',
        5,
        300,
        4,
        500,
        '-',
      ].join('\t'),
    );
    source = 'synthetic rows (IoT-23 file absent)';
  }
  const times = rows.map((r) => Number(r.slice(0, r.indexOf('\t'))));
  const span = Math.ceil(Math.max(...times) - Math.min(...times)) + 1;
  const parts: string[] = [header.join('\n') + '\n'];
  let records = 0;
  for (let copy = 0; records < wanted; copy++) {
    for (let i = 0; i < rows.length && records < wanted; i++, records++) {
      const row = rows[i];
      const tab = row.indexOf('\t');
      parts.push(copy === 0 ? row : (times[i] + copy * span).toFixed(6) + row.slice(tab));
    }
  }
  const whole = Buffer.from(parts.join('\n') + '\n');
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 65536) chunks.push(whole.subarray(i, i + 65536));
  return { source, chunks, records };
}

async function run(
  chunks: Buffer[],
  features: boolean,
): Promise<{ seconds: number; cpuSeconds: number; records: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const log = await openFlowLog(chunks, { format: 'zeek-tsv' });
  const extractor = new KddTrafficExtractor();
  const row: (number | string)[] = [];
  let records = 0;
  for await (const batch of log.batches()) {
    if (features) for (const r of batch) extractor.next(r, row);
    records += batch.length;
  }
  const used = process.cpuUsage(cpu);
  return {
    seconds: (performance.now() - start) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    records,
  };
}

const { source, chunks, records } = buildLog();
const bytes = chunks.reduce((n, c) => n + c.length, 0);
const load = loadavg()[0];
const readOnly: number[] = [];
const withFeatures: number[] = [];
const cpuWithFeatures: number[] = [];
await run(chunks, true); // warm-up
for (let i = 0; i < runs; i++) {
  const a = await run(chunks, false);
  const b = await run(chunks, true);
  if (a.records !== records || b.records !== records)
    throw new Error(`read ${a.records}/${b.records} of ${records} records`);
  readOnly.push(a.seconds);
  withFeatures.push(b.seconds);
  cpuWithFeatures.push(b.cpuSeconds);
}
const figures = {
  bench: 'traffic-logs',
  source,
  records,
  megabytes: Math.round(bytes / 1e5) / 10,
  runs,
  readSeconds: readOnly.map((s) => Math.round(s * 1000) / 1000),
  readAndKddSeconds: withFeatures.map((s) => Math.round(s * 1000) / 1000),
  readRecordsPerSecond: Math.round(records / median(readOnly)),
  readAndKddRecordsPerSecond: Math.round(records / median(withFeatures)),
  readAndKddRecordsPerCpuSecond: Math.round(records / median(cpuWithFeatures)),
  loadAverage1m: Math.round(load * 100) / 100,
  loadAverage1mAfter: Math.round(loadavg()[0] * 100) / 100,
  peakRssMiB: peakRssMiB(),
};
console.log(JSON.stringify(figures));
console.log(
  `Zeek conn.log (${records.toLocaleString('en')} records, ${figures.megabytes} MB) → ConnRecord: ` +
    `${figures.readRecordsPerSecond.toLocaleString('en')} records/s; → kdd-traffic features: ` +
    `${figures.readAndKddRecordsPerSecond.toLocaleString('en')} records/s (median of ${runs}, load ${figures.loadAverage1m}), ` +
    `peak RSS ${figures.peakRssMiB} MiB`,
);
