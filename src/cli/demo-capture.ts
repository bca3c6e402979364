import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataSearchPath } from '../data/locate.js';
import type { ProgressReporter } from '../util/progress-reporter.js';

/** The shared capture the main job scores: Mirai-style Telnet scanning (Stratosphere's Slips test data). */
export const DEMO_CAPTURE = 'traffic/slips/test7-malicious.pcap';

interface AlertRow {
  'id.orig_h'?: string;
  'id.resp_p'?: number;
  alert?: boolean;
}

/** The IoT-23 conn log the demo trains on (the `iot-23` dataset's file). */
const IOT23_LOG = 'traffic/iot-23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz';

/**
 * Where the demo capture is, when it and the IoT-23 log are both in one data directory; otherwise undefined
 * (the demo then says so and skips the traffic part).
 */
export function findDemoCapture(dataDir: string | undefined): string | undefined {
  for (const { dir } of dataSearchPath(dataDir)) {
    const path = join(dir, DEMO_CAPTURE);
    if (existsSync(path) && existsSync(join(dir, IOT23_LOG))) return path;
  }
  return undefined;
}

/**
 * The traffic half of the main job: a forest trained on the IoT-23 Mirai conn log (binary, time-split) scores
 * a packet capture it has never seen, connection by connection; the alerts are shown per source host.
 */
export async function runCaptureDemo(options: {
  out: string;
  seed: number;
  dataDir: string | undefined;
  capture: string;
  progress: ProgressReporter;
}): Promise<string> {
  const { runTraining } = await import('../train/run-training.js');
  const { detectFile } = await import('../detection/detect-file.js');
  const { formatDetectSummary } = await import('./commands/detect.js');
  const runDir = join(options.out, 'iot23-rf');
  const trained = await runTraining(
    {
      dataset: 'iot-23',
      task: 'binary',
      protocol: 'time-split',
      model: 'rf',
      modelOptions: {},
      seed: options.seed,
      out: runDir,
      dataDir: options.dataDir,
    },
    options.progress,
  );
  const predictions = join(options.out, 'capture-predictions.ndjson');
  const summary = await detectFile({
    modelDir: trained.modelDir,
    input: options.capture,
    output: predictions,
  });
  const rows = (await readFile(predictions, 'utf8'))
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as AlertRow);
  const [testSplit] = Object.keys(trained.metrics.splits);
  const test = trained.metrics.splits[testSplit];
  return [
    `IoT-23 forest (binary, ${trained.metrics.protocol}): accuracy ${(test.accuracy * 100).toFixed(2)} %, macro-F1 ${(test.f1.macro * 100).toFixed(1)} % on ${testSplit}`,
    `${options.capture}`,
    formatDetectSummary(summary),
    '',
    formatAlertSources(rows),
    '',
    `predictions: ${predictions}`,
    `model:       ${trained.modelDir}`,
  ].join('\n');
}

/** Alerts per source host, most first, with the destination ports they went to. */
export function formatAlertSources(rows: readonly AlertRow[], top = 8): string {
  const bySource = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (!r.alert) continue;
    const source = r['id.orig_h'] ?? '?';
    let ports = bySource.get(source);
    if (!ports) bySource.set(source, (ports = new Map<number, number>()));
    const port = r['id.resp_p'] ?? 0;
    ports.set(port, (ports.get(port) ?? 0) + 1);
  }
  const total = (ports: Map<number, number>) => [...ports.values()].reduce((a, b) => a + b, 0);
  const sources = [...bySource.entries()].sort((a, b) => total(b[1]) - total(a[1]));
  if (sources.length === 0) return 'no alerts';
  const width = Math.max(11, ...sources.slice(0, top).map(([s]) => s.length));
  const lines = [`${'source host'.padEnd(width)}  alerts  destination ports (alerts)`];
  for (const [source, ports] of sources.slice(0, top)) {
    const byCount = [...ports.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    lines.push(
      `${source.padEnd(width)}  ${String(total(ports)).padStart(6)}  ${byCount.map(([p, n]) => `${p} (${n})`).join(', ')}`,
    );
  }
  if (sources.length > top) lines.push(`… and ${sources.length - top} more source hosts`);
  return lines.join('\n');
}
