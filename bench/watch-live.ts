/**
 * `iot-ids watch` live, on loopback inside a network namespace the bench creates (root needed):
 *
 *   node --import tsx bench/watch-live.ts --rate 20000 --seconds 3600 --sample 60   # the one-hour soak
 *   node --import tsx bench/watch-live.ts --rate 200000 --seconds 20 --sample 5     # the sustained rate
 *
 * Builds the small fixture connection model, starts `watch --netns NS --interface lo --filter 'udp or tcp'`
 * (the compiled CLI: run `npx tsc -p tsconfig.build.json` first), and drives bounded UDP load inside the
 * namespace with bench/lib/udp-load.ts (127.0.0.20–29 → 127.0.0.10 only), beside `--probes` TCP connect
 * probes a second (default 20) from 127.0.0.66 to closed ports, which the model alerts on, so the alert path
 * (store commit and fsync) is measured too. Every `--sample` seconds it records watch's RSS and CPU time
 * (from /proc) and its health from /metrics: packets read, kernel and queue drops, open connections. Prints
 * one JSON line and one human line: packets sent vs read, drops, RSS first → last (max), CPU share, and the
 * lag quantiles (per record, from the meter's emission to durable verdicts; and of the alerting records
 * alone) read from the histograms' buckets — upper bounds, the bucket holding the quantile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLabNamespace, destroyLabNamespace, labUnavailableReason } from '../lab/netns.js';
import { makeConnModel } from '../src/serve/watch/test-helpers/conn-model.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '60' },
    sample: { type: 'string', default: '10' },
    probes: { type: 'string', default: '20' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const sampleSeconds = Number(values.sample);
const probes = Number(values.probes);
const repo = resolve(import.meta.dirname, '..');
const reason = labUnavailableReason();
if (reason) {
  console.error(`bench/watch-live.ts cannot run: ${reason}`);
  process.exit(2);
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function procStats(pid: number): Promise<{ rssMiB: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return { rssMiB: Math.round(rssKiB / 1024), cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100 };
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

const MiB = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * Where watch's memory is, in MiB: V8's heap as its /metrics reports it (prom-client's default metrics:
 * committed size of the young generation, `new`, of the old and large-object spaces, and what is live
 * in all), memory outside the heap (`external`: buffers, typed arrays, WebAssembly memories), and from
 * /proc/PID/smaps the resident pages of mapped files (the node binary, native addons: shared, fixed) and of
 * malloc's heap (native allocations: libsql, tcpdump's pipe buffers in libuv).
 */
async function memoryBreakdown(pid: number, text: string): Promise<Record<string, number>> {
  const space = (kind: string, name: string): number =>
    metric(text, `iot_ids_nodejs_heap_space_size_${kind}_bytes\\{space="${name}"\\}`);
  let files = 0;
  let mallocHeap = 0;
  let current = '';
  for (const line of (await readFile(`/proc/${pid}/smaps`, 'utf8')).split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) current = mapping[1];
    else if (line.startsWith('Rss:')) {
      const kiB = Number(line.split(/\s+/)[1]);
      if (current.startsWith('/')) files += kiB;
      else if (current === '[heap]') mallocHeap += kiB;
    }
  }
  return {
    heapTotal: MiB(metric(text, 'iot_ids_nodejs_heap_size_total_bytes')),
    heapUsed: MiB(metric(text, 'iot_ids_nodejs_heap_size_used_bytes')),
    newSpace: MiB(space('total', 'new')),
    oldSpace: MiB(space('total', 'old')),
    oldSpaceUsed: MiB(space('used', 'old')),
    largeObjectSpace: MiB(space('total', 'large_object')),
    codeSpace: MiB(space('total', 'code')),
    external: MiB(metric(text, 'iot_ids_nodejs_external_memory_bytes')),
    mappedFiles: MiB(files * 1024),
    mallocHeap: MiB(mallocHeap * 1024),
  };
}

/** The smallest bucket bound holding quantile q of a histogram (an upper bound on the quantile). */
function quantile(text: string, histogram: string, q: number): number | null {
  const count = metric(text, `${histogram}_count`);
  if (!(count > 0)) return null;
  const buckets = [...text.matchAll(new RegExp(`^${histogram}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))];
  for (const [, le, n] of buckets) if (Number(n) >= q * count) return le === '+Inf' ? Infinity : Number(le);
  return null;
}
const LAG = 'iot_ids_watch_scoring_lag_seconds';
const ALERT_LAG = 'iot_ids_watch_alert_lag_seconds';

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) =>
    child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code)),
  );
}

const dir = await mkdtemp(join(tmpdir(), 'iot-ids-watch-live-'));
const netns = `iotids-bench-${process.pid}`;
const port = await freePort();
const modelDir = await makeConnModel(dir);
createLabNamespace(netns);
let watch: ChildProcess | undefined;
try {
  const watchArgs = [
    'bin/iot-ids.js',
    'watch',
    '--netns',
    netns,
    '--interface',
    'lo',
    '--filter',
    'udp or tcp',
  ];
  // WATCH_NODE_OPTIONS: extra node flags for the watch process only (e.g. --heapsnapshot-signal=SIGUSR2).
  const nodeFlags = (process.env.WATCH_NODE_OPTIONS ?? '').split(' ').filter((f) => f !== '');
  watch = spawn(
    process.execPath,
    [
      ...nodeFlags,
      ...watchArgs,
      '--model-dir',
      modelDir,
      '--store',
      join(dir, 'alerts.db'),
      '--port',
      String(port),
    ],
    { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  watch.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const start = Date.now();
  while (!log.includes('capture listening') && watch.exitCode === null && Date.now() - start < 60_000)
    await new Promise((r) => setTimeout(r, 200));
  if (!log.includes('capture listening')) throw new Error(`watch did not start: ${log}`);
  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const load = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
      process.execPath,
      '--import',
      'tsx',
      'bench/lib/udp-load.ts',
      String(rate),
      String(seconds),
      String(probes),
    ],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let loadOut = '';
  load.stdout?.on('data', (d: Buffer) => (loadOut += d.toString()));
  const cpu0 = (await procStats(watch.pid!)).cpuSeconds;
  const t0 = Date.now();
  const samples: {
    t: number;
    rssMiB: number;
    cpuShare: number;
    packets: number;
    open: number;
    memoryMiB: Record<string, number>;
  }[] = [];
  let lastCpu = cpu0;
  let lastT = t0;
  const loadDone = exited(load);
  while (load.exitCode === null) {
    await Promise.race([loadDone, new Promise((r) => setTimeout(r, sampleSeconds * 1000))]);
    const now = Date.now();
    const stats = await procStats(watch.pid!);
    const text = await scrape();
    samples.push({
      t: Math.round((now - t0) / 1000),
      rssMiB: stats.rssMiB,
      cpuShare: Number(((stats.cpuSeconds - lastCpu) / ((now - lastT) / 1000)).toFixed(2)),
      packets: metric(text, 'iot_ids_watch_packets_total'),
      open: metric(text, 'iot_ids_watch_open_connections'),
      memoryMiB: await memoryBreakdown(watch.pid!, text),
    });
    lastCpu = stats.cpuSeconds;
    lastT = now;
  }
  await new Promise((r) => setTimeout(r, 3000));
  const text = await scrape();
  const final = await procStats(watch.pid!);
  watch.kill('SIGTERM');
  await exited(watch);
  // After SIGTERM watch flushes the open connections and scores them: its last line counts what it scored
  // and dropped in all (the figures above are from before the signal).
  const atExit = /watch ended: .*/.exec(log)?.[0] ?? 'watch printed no summary';
  const generated = JSON.parse(loadOut.trim().split('\n').at(-1) ?? '{}') as {
    sent: number;
    rate: number;
    probes: number;
  };
  const result = {
    bench: 'watch-live',
    rateAsked: rate,
    seconds,
    sent: generated.sent,
    sentRate: generated.rate,
    probes: generated.probes,
    packetsRead: metric(text, 'iot_ids_watch_packets_total'),
    kernelDropped: metric(text, 'iot_ids_watch_kernel_dropped_total'),
    queueDropped: metric(text, 'iot_ids_watch_queue_dropped_total'),
    recordsScored: metric(text, 'iot_ids_records_scored_total'),
    lagP50Seconds: quantile(text, LAG, 0.5),
    lagP99Seconds: quantile(text, LAG, 0.99),
    lagP999Seconds: quantile(text, LAG, 0.999),
    alertingRecords: metric(text, `${ALERT_LAG}_count`),
    alertLagP50Seconds: quantile(text, ALERT_LAG, 0.5),
    alertLagP99Seconds: quantile(text, ALERT_LAG, 0.99),
    rssMiB: samples.map((s) => s.rssMiB),
    rssMaxMiB: Math.max(final.rssMiB, ...samples.map((s) => s.rssMiB)),
    memoryLastSampleMiB: samples.at(-1)?.memoryMiB,
    cpuShareMedian: samples.map((s) => s.cpuShare).sort((a, b) => a - b)[Math.floor(samples.length / 2)],
    cpuSecondsTotal: Number((final.cpuSeconds - cpu0).toFixed(1)),
    samples,
    loadAverage1m: Number(loadavg()[0].toFixed(2)),
    atExit,
  };
  console.log(JSON.stringify(result));
  console.log(
    `watch live: asked ${rate} packets/s for ${seconds} s, sent ${result.sent} (${result.sentRate}/s) and ` +
      `${result.probes} probes (2 packets each), read ${result.packetsRead}, dropped ${result.kernelDropped} ` +
      `by the kernel and ${result.queueDropped} records by the queue; ${result.recordsScored} records scored, ` +
      `lag p50 ≤ ${result.lagP50Seconds} s, p99 ≤ ${result.lagP99Seconds} s, p99.9 ≤ ` +
      `${result.lagP999Seconds} s; ${result.alertingRecords} alerting records, lag p50 ≤ ` +
      `${result.alertLagP50Seconds} s, p99 ≤ ${result.alertLagP99Seconds} s; RSS ${result.rssMiB[0]} → ${result.rssMiB.at(-1)} MiB (max ` +
      `${result.rssMaxMiB}), CPU ${result.cpuShareMedian} of a core (median), load ${result.loadAverage1m}; ` +
      `at exit: ${atExit}`,
  );
} finally {
  if (watch && watch.exitCode === null) watch.kill('SIGKILL');
  await destroyLabNamespace(netns);
  await rm(dir, { recursive: true, force: true });
}
