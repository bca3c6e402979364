/**
 * Load test of the detection service: `node --import tsx bench/serve-load.ts --model-dir DIR [--seconds 60]
 * [--clients 4] [--records 1000] [--rate R] [--sync full|normal] [--decoder-threads N] [--soak]`.
 * The service runs in a child process on 127.0.0.1 (so the load generator does not share its event loop);
 * `--clients` concurrent keep-alive clients POST 1000-record JSON bodies cut from the dataset's first
 * test split (KDDTest+ for NSL-KDD) to /v1/detect, each waiting for its answer before sending the next, for
 * `--seconds` (default 60, after a 3 s warm-up that is not counted). Reports records/s, per-request
 * latency p50/p99, the service's RSS at start and end, its CPU use, and where the time goes: the service's
 * own per-stage metrics (parse, validate, score, explain, store, respond) and an in-process breakdown of one
 * 1000-record request (JSON.parse, recordsToTable, pipeline, model, answer). `--soak` runs 10 minutes and
 * samples RSS every 10 s. Rate limiting is off (one client address would hit it). Every loop is bounded in
 * time and count. Prints one JSON line, then one human-readable line.
 * Environment: IOT_IDS_DATA_DIR (default ../shared/data); SERVE_NODE_FLAGS, extra node flags for the
 * service process (e.g. --max-semi-space-size=32).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadTable } from '../src/data/load-table.js';
import { resolveDataset } from '../src/data/registry.js';
import type { Table } from '../src/data/table.js';
import { Detector } from '../src/detection/detector.js';
import { formatDetectResponse } from '../src/serve/detect-response.js';
import { recordsToTable } from '../src/detection/json-records.js';
import { startServer, type ServerOptions } from '../src/serve/server.js';
import { WalSync } from '../src/alerts/wal-sync.js';
import Database from 'libsql';
import { benchDataDir, median } from './lib/nsl-kdd-matrices.js';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const soak = process.argv.includes('--soak');
/**
 * Offered load in records/s. Without it each client sends its next request as soon as the last is answered
 * (closed loop: the service runs flat out). With it each client sends on a fixed schedule, and a request's
 * latency counts from its scheduled time, so falling behind shows in the latency instead of hiding.
 */
const rateArg = argument('--rate');
const rate = rateArg === undefined ? undefined : Number(rateArg);
const seconds = Number(argument('--seconds') ?? (soak ? 600 : 60));
const clients = Number(argument('--clients') ?? 4);
const recordsPerRequest = Number(argument('--records') ?? 1000);
const sync = (argument('--sync') ?? 'full') as 'full' | 'normal';
/** Threads that parse and validate bodies (the service's default when not given). */
const decoderThreadsArg = argument('--decoder-threads');
const decoderThreads = decoderThreadsArg === undefined ? undefined : Number(decoderThreadsArg);
const WARMUP_SECONDS = 3;
const DISTINCT_BODIES = 16;

/** Child mode: run the service and print its URL. */
async function serveChild(options: ServerOptions): Promise<void> {
  const server = await startServer(options);
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.on('SIGTERM', () => {
    void server.close().then(() => process.exit(0));
  });
}

/** The test split's rows as API records: one field per feature column, no label. */
async function loadRecords(modelDir: string): Promise<Record<string, unknown>[]> {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as { dataset: string };
  const dataset = await resolveDataset(manifest.dataset);
  const split = dataset.splits.find((s) => s.name === dataset.official.tests[0])!;
  const { table } = await loadTable(join(benchDataDir, split.file), dataset.schema);
  return tableToRecords(table);
}

function tableToRecords(table: Table): Record<string, unknown>[] {
  return Array.from({ length: table.nRows }, (_, i) => {
    const record: Record<string, unknown> = {};
    for (const c of table.features) {
      record[c.name] = c.kind === 'numeric' ? c.values[i] : c.categories[c.codes[i]];
    }
    return record;
  });
}

/** Milliseconds per 1000-record request for each step, measured in this process (median of 10). */
async function breakdown(
  modelDir: string,
  records: Record<string, unknown>[],
): Promise<Record<string, number>> {
  const detector = await Detector.load(modelDir);
  try {
    const body = JSON.stringify(records.slice(0, 1000));
    const time = async (work: () => unknown): Promise<number> => {
      const runs: number[] = [];
      for (let r = 0; r < 12; r++) {
        const started = performance.now();
        await work();
        if (r >= 2) runs.push(performance.now() - started);
      }
      return Number(median(runs).toFixed(2));
    };
    const parsed = JSON.parse(body) as unknown[];
    const { table } = recordsToTable(parsed, detector.inputSchema);
    const { x } = detector.pipeline.transform(table);
    const scored = await detector.scoreTable(table);
    return {
      jsonParseMs: await time(() => JSON.parse(body)),
      recordsToTableMs: await time(() => recordsToTable(parsed, detector.inputSchema)),
      pipelineMs: await time(() => detector.pipeline.transform(table)),
      modelMs: await time(() => detector.probabilitiesOf(x)),
      answerMs: await time(() =>
        formatDetectResponse(
          {
            modelId: 'm',
            classes: detector.classes,
            predicted: scored.predicted,
            probabilities: scored.probabilities.data,
            alertIds: new Float64Array(table.nRows),
            alerts: 0,
            durable: Promise.resolve(),
          },
          false,
        ),
      ),
    };
  } finally {
    await detector.dispose();
  }
}

/**
 * Commit latency of one small alert-sized transaction in WAL mode, 100 commits each: SQLite's own
 * synchronous=NORMAL and FULL (the call blocks the event loop for the whole time) and what the store does
 * in full mode, NORMAL plus an fdatasync of the WAL on the thread pool (the loop is free meanwhile).
 */
async function storeCommitLatency(dir: string): Promise<Record<string, { medianMs: number; p99Ms: number }>> {
  const out: Record<string, { medianMs: number; p99Ms: number }> = {};
  for (const mode of ['normal', 'full', 'normal+walsync'] as const) {
    const path = join(dir, `commit-${mode.replace('+', '-')}.db`);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${mode === 'full' ? 'FULL' : 'NORMAL'}`);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)');
    const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
    const commit = db.transaction((payload: string) => insert.run(payload));
    const wal = mode === 'normal+walsync' ? new WalSync(`${path}-wal`) : null;
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      commit('x'.repeat(600));
      if (wal) await wal.sync();
      times.push(performance.now() - started);
    }
    wal?.close();
    db.close();
    times.sort((a, b) => a - b);
    out[mode] = {
      medianMs: Number(median(times).toFixed(3)),
      p99Ms: Number(percentile(times, 99).toFixed(3)),
    };
  }
  return out;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU seconds (user + system) the process has used. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function startChild(options: ServerOptions): Promise<{ child: ChildProcess; url: string }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      ...(process.env.SERVE_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      self,
      '--serve',
      JSON.stringify(options),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('service did not start in 60 s')), 60_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}`)));
  });
}

/** Records/s and latency percentiles per minute of the run, to tell a steady tail from bursts. */
function perMinute(
  samples: readonly Sample[],
  started: number,
): { minute: number; recordsPerSecond: number; p50: number; p99: number }[] {
  const minutes = new Map<number, Sample[]>();
  for (const s of samples) {
    const minute = Math.floor((s.at - started) / 60_000);
    let list = minutes.get(minute);
    if (!list) minutes.set(minute, (list = []));
    list.push(s);
  }
  return [...minutes.entries()].map(([minute, list]) => {
    const latencies = list
      .filter((s) => s.ok)
      .map((s) => s.latencyMs)
      .sort((a, b) => a - b);
    const span = Math.max(1, Math.min(60, (list[list.length - 1].at - started) / 1000 - minute * 60));
    return {
      minute: minute + 1,
      recordsPerSecond: Math.round(list.reduce((sum, s) => sum + s.records, 0) / span),
      p50: Number(percentile(latencies, 50).toFixed(1)),
      p99: Number(percentile(latencies, 99).toFixed(1)),
    };
  });
}

interface Sample {
  at: number;
  latencyMs: number;
  records: number;
  ok: boolean;
}

function post(agent: Agent, url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/detect`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The service's heap, GC time so far and event-loop lag, from its default process metrics. */
async function runtimeMetrics(url: string): Promise<{
  heapUsedMiB: number;
  gcSeconds: number;
  gcSecondsByKind: Record<string, number>;
  lagP99Ms: number;
}> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  let gcSeconds = 0;
  const gcSecondsByKind: Record<string, number> = {};
  for (const m of text.matchAll(/^iot_ids_nodejs_gc_duration_seconds_sum\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
    gcSeconds += Number(m[2]);
    gcSecondsByKind[m[1]] = Number(Number(m[2]).toFixed(2));
  }
  return {
    heapUsedMiB: Math.round(value(/^iot_ids_nodejs_heap_size_used_bytes ([\d.e+-]+)$/m) / 2 ** 20),
    gcSeconds,
    gcSecondsByKind,
    lagP99Ms: Number((value(/^iot_ids_nodejs_eventloop_lag_p99_seconds ([\d.e+-]+)$/m) * 1000).toFixed(1)),
  };
}

async function stageMetrics(url: string): Promise<Record<string, { seconds: number; count: number }>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const stages: Record<string, { seconds: number; count: number }> = {};
  for (const m of text.matchAll(
    /^iot_ids_batch_stage_duration_seconds_(sum|count)\{stage="(\w+)"\} ([\d.e+-]+)$/gm,
  )) {
    stages[m[2]] ??= { seconds: 0, count: 0 };
    if (m[1] === 'sum') stages[m[2]].seconds = Number(m[3]);
    else stages[m[2]].count = Number(m[3]);
  }
  const batch = /^iot_ids_batch_records_sum ([\d.e+]+)$/m.exec(text);
  const batches = /^iot_ids_batch_records_count ([\d.e+]+)$/m.exec(text);
  if (batch && batches) stages.batches = { seconds: 0, count: Number(batches[1]) };
  if (batch) stages.batchRecords = { seconds: 0, count: Number(batch[1]) };
  return stages;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const childOptions = argument('--serve');
  if (childOptions !== undefined) return serveChild(JSON.parse(childOptions) as ServerOptions);
  const modelDir = argument('--model-dir');
  if (modelDir === undefined) {
    console.error('usage: bench/serve-load.ts --model-dir DIR [--seconds 60] [--clients 4] [--soak]');
    process.exitCode = 2;
    return;
  }
  if (
    !(seconds > 0 && seconds <= 3600) ||
    !(clients >= 1 && clients <= 64) ||
    (rate !== undefined && !(rate > 0))
  ) {
    throw new Error('--seconds must be in (0, 3600], --clients in [1, 64] and --rate above 0');
  }
  const records = await loadRecords(modelDir);
  const stepsMs = await breakdown(modelDir, records);
  const bodies = Array.from({ length: DISTINCT_BODIES }, (_, b) => {
    const start = (b * recordsPerRequest) % Math.max(1, records.length - recordsPerRequest);
    return Buffer.from(JSON.stringify(records.slice(start, start + recordsPerRequest)));
  });

  const dir = await mkdtemp(join(tmpdir(), 'iot-ids-bench-serve-'));
  const storeCommit = await storeCommitLatency(dir);
  const { child, url } = await startChild({
    modelDir,
    host: '127.0.0.1',
    port: 0,
    store: join(dir, 'alerts.db'),
    storeSynchronous: sync,
    decoderThreads,
    rateLimit: false,
  });
  const pid = child.pid!;
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  try {
    // Warm-up (JIT, caches), not counted.
    const warmEnd = Date.now() + WARMUP_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < 1000 && Date.now() < warmEnd; i++)
          await post(agent, url, bodies[(c + i) % bodies.length]);
      }),
    );
    const rssStart = rssMiB(pid);
    const cpuStart = cpuSeconds(pid);
    const stagesBefore = await stageMetrics(url);
    const rssSeries: { t: number; rssMiB: number; loadAverage: number }[] = [
      { t: 0, rssMiB: rssStart, loadAverage: loadavg()[0] },
    ];
    const samples: Sample[] = [];
    const errors: string[] = [];
    const started = Date.now();
    const end = started + seconds * 1000;
    const sampler = setInterval(
      () =>
        rssSeries.push({
          t: Math.round((Date.now() - started) / 1000),
          rssMiB: rssMiB(pid),
          loadAverage: loadavg()[0],
        }),
      soak ? 10_000 : 1000,
    );
    const runtimeSeries: ({ minute: number } & Awaited<ReturnType<typeof runtimeMetrics>>)[] = [];
    const runtimeSampler = setInterval(() => {
      const minute = Math.round((Date.now() - started) / 60_000);
      void runtimeMetrics(url).then((m) => runtimeSeries.push({ minute, ...m }));
    }, 60_000);
    // Bounded: at most 2000 requests per client per second of run.
    const maxRequests = seconds * 2000;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const interval = rate === undefined ? 0 : (clients * recordsPerRequest * 1000) / rate;
        const first = performance.now() + (c * interval) / clients;
        for (let i = 0; i < maxRequests && Date.now() < end; i++) {
          const scheduled = first + i * interval;
          const wait = scheduled - performance.now();
          if (rate !== undefined && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          const t0 = rate === undefined ? performance.now() : scheduled;
          try {
            const res = await post(agent, url, bodies[(c * 7 + i) % bodies.length]);
            const ok = res.status === 200;
            if (!ok && errors.length < 20) errors.push(`${res.status} ${res.text.slice(0, 200)}`);
            samples.push({
              at: Date.now(),
              latencyMs: performance.now() - t0,
              records: ok ? recordsPerRequest : 0,
              ok,
            });
          } catch (error) {
            if (errors.length < 20) errors.push((error as Error).message);
            samples.push({ at: Date.now(), latencyMs: performance.now() - t0, records: 0, ok: false });
          }
        }
      }),
    );
    clearInterval(sampler);
    clearInterval(runtimeSampler);
    const elapsed = (Date.now() - started) / 1000;
    const rssEnd = rssMiB(pid);
    const cpuUsed = cpuSeconds(pid) - cpuStart;
    const stagesAfter = await stageMetrics(url);
    const latencies = samples
      .filter((s) => s.ok)
      .map((s) => s.latencyMs)
      .sort((a, b) => a - b);
    const scored = samples.reduce((sum, s) => sum + s.records, 0);
    const stageShare: Record<string, number> = {};
    for (const [stage, after] of Object.entries(stagesAfter)) {
      if (stage === 'batches' || stage === 'batchRecords') continue;
      const before = stagesBefore[stage] ?? { seconds: 0, count: 0 };
      // Milliseconds spent in the stage per 1000 records scored.
      stageShare[stage] = Number((((after.seconds - before.seconds) * 1000) / (scored / 1000)).toFixed(2));
    }
    const batches = (stagesAfter.batches?.count ?? 0) - (stagesBefore.batches?.count ?? 0);
    const batchRecords = (stagesAfter.batchRecords?.count ?? 0) - (stagesBefore.batchRecords?.count ?? 0);
    const result = {
      bench: soak ? 'serve-soak' : 'serve-load',
      model: modelDir,
      seconds: Number(elapsed.toFixed(1)),
      clients,
      recordsPerRequest,
      offeredRecordsPerSecond: rate ?? 'as fast as answered',
      storeSynchronous: sync,
      decoderThreads: decoderThreads ?? 'default',
      requests: samples.length,
      errors: samples.filter((s) => !s.ok).length,
      errorExamples: errors,
      recordsPerSecond: Math.round(scored / elapsed),
      latencyMs: {
        p50: Number(percentile(latencies, 50).toFixed(1)),
        p90: Number(percentile(latencies, 90).toFixed(1)),
        p99: Number(percentile(latencies, 99).toFixed(1)),
        max: Number((latencies[latencies.length - 1] ?? Number.NaN).toFixed(1)),
      },
      meanBatchRecords: batches > 0 ? Math.round(batchRecords / batches) : 0,
      serviceCpuPercent: Math.round((100 * cpuUsed) / elapsed),
      // What one fully available core would do: the machine is shared, so the service rarely gets one.
      recordsPerServiceCpuSecond: cpuUsed > 0 ? Math.round(scored / cpuUsed) : 0,
      serviceRssMiB: { start: rssStart, end: rssEnd, max: Math.max(...rssSeries.map((s) => s.rssMiB)) },
      rssSeries: soak ? rssSeries : undefined,
      perMinute: seconds >= 120 ? perMinute(samples, started) : undefined,
      // Heap, cumulative GC seconds and event-loop lag p99 of the service at the end of each minute.
      runtimePerMinute: seconds >= 120 ? runtimeSeries : undefined,
      serviceStageMsPer1000Records: stageShare,
      inProcessMsPer1000Records: stepsMs,
      storeCommitLatency: storeCommit,
    };
    console.log(JSON.stringify(result));
    console.log(
      `serve: ${result.recordsPerSecond.toLocaleString('en-US')} records/s over ${result.seconds} s, ` +
        `${clients} clients × ${recordsPerRequest}-record requests` +
        `${rate === undefined ? '' : ` offered at ${rate.toLocaleString('en-US')} records/s`}, p50 ${result.latencyMs.p50} ms, ` +
        `p99 ${result.latencyMs.p99} ms, ${result.errors} errors, service CPU ${result.serviceCpuPercent}% ` +
        `(${result.recordsPerServiceCpuSecond.toLocaleString('en-US')} records per CPU-second), ` +
        `RSS ${rssStart} → ${rssEnd} MiB (max ${result.serviceRssMiB.max}), store synchronous=${sync}, decoder threads ${result.decoderThreads} ` +
        `(parse and validate run there); ` +
        `per 1000 records: ${Object.entries(stageShare)
          .map(([k, v]) => `${k} ${v} ms`)
          .join(', ')}; commit latency (median) NORMAL ${storeCommit.normal.medianMs} ms, FULL ` +
        `${storeCommit.full.medianMs} ms, NORMAL + async WAL sync ${storeCommit['normal+walsync'].medianMs} ms`,
    );
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
