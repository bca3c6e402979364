import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runInside } from './inside.js';
import { MAX_BENIGN_ONLY_MINUTES } from './lab-plan.js';
import { createLabNamespace, destroyLabNamespace, labUnavailableReason } from './netns.js';
import { sleep } from './processes.js';

/**
 * The traffic lab, one command:
 *
 *   sudo node --import tsx lab/run.ts [--out DIR] [--seed N] [--scale F | --quick]
 *   sudo node --import tsx lab/run.ts --benign-only --minutes M [--out DIR] [--seed N]
 *
 * Creates a network namespace of its own, re-runs itself inside it (`--inside`, internal), and deletes the
 * namespace — killing anything still running in it — when the inner run ends, fails or is interrupted.
 */

export const LAB_TOOLS = ['tcpdump', 'nmap', 'hping3', 'mosquitto', 'mosquitto_pub', 'mosquitto_sub'];

/** The first tool the lab needs that is not installed, or null. */
export function missingLabTool(): string | null {
  for (const tool of LAB_TOOLS) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return tool;
  }
  return null;
}

const USAGE = `usage: node --import tsx lab/run.ts [--out DIR] [--seed N] [--scale F | --quick] [--netns NAME]
                                   [--start-delay S] [--lead S]
       node --import tsx lab/run.ts --benign-only --minutes M [--out DIR] [--seed N] [--netns NAME]
  --out DIR   output directory (run.pcap, ground-truth.json); default runs/lab/seed-N
  --seed N    seeds benign timings, telemetry values and the guessed credentials (default 1)
  --scale F   multiplies every phase length and count (default 1: about 1.5 minutes)
  --quick     --scale 0.2 (about 30 s), for tests
  --netns NAME       name of the lab's namespace (default iotids-lab-PID); it must not exist yet
  --start-delay S    wait S seconds after creating the namespace, so a capture can attach first
  --lead S    seconds of benign-only traffic before the first attack (default 15 × scale, at most 1800):
              a packet-level detector needs minutes of it for its grace periods
  --benign-only      no attack phase: only the device and its benign clients, for --minutes M (at most
                     ${MAX_BENIGN_ONLY_MINUTES}); the ground truth has no phase, every connection is benign`;

/**
 * The length of a benign-only run from `--benign-only` and `--minutes`, undefined for a run with attacks,
 * or the reason the combination is refused.
 */
export function parseBenignOnly(
  benignOnly: boolean,
  minutes: string | undefined,
  lead: number | undefined,
): number | undefined | string {
  if (!benignOnly) return minutes === undefined ? undefined : '--minutes needs --benign-only';
  if (lead !== undefined) return '--lead has no meaning with --benign-only (the whole run is benign)';
  const m = Number(minutes);
  if (minutes === undefined || !(m > 0 && m <= MAX_BENIGN_ONLY_MINUTES)) {
    return `--benign-only needs --minutes in (0, ${MAX_BENIGN_ONLY_MINUTES}]`;
  }
  return m;
}

/**
 * Last resort when the process dies on an exception: whatever else is lost, the namespace and its processes
 * must not outlive the lab (synchronous, as 'exit' handlers must be).
 */
function emergencyTeardown(namespace: string): () => void {
  return () => {
    const pids = spawnSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split('\n').filter((p) => /^\d+$/.test(p.trim()))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    spawnSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
  };
}

async function main(): Promise<number> {
  // A reader that goes away (a closed pipe) must not crash the lab before it has cleaned up.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      scale: { type: 'string' },
      quick: { type: 'boolean', default: false },
      netns: { type: 'string' },
      'start-delay': { type: 'string', default: '0' },
      lead: { type: 'string' },
      'benign-only': { type: 'boolean', default: false },
      minutes: { type: 'string' },
      inside: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seed = Number(values.seed);
  const scale = values.scale !== undefined ? Number(values.scale) : values.quick ? 0.2 : 1;
  if (!Number.isInteger(seed) || !(scale > 0 && scale <= 4)) {
    process.stderr.write(`lab: --seed must be an integer and --scale in (0, 4]\n${USAGE}\n`);
    return 2;
  }
  const lead = values.lead !== undefined ? Number(values.lead) : undefined;
  if (lead !== undefined && !(lead >= 0 && lead <= 1800)) {
    process.stderr.write(`lab: --lead must be in [0, 1800] seconds\n${USAGE}\n`);
    return 2;
  }
  const benignOnlyMinutes = parseBenignOnly(values['benign-only'], values.minutes, lead);
  if (typeof benignOnlyMinutes === 'string') {
    process.stderr.write(`lab: ${benignOnlyMinutes}\n${USAGE}\n`);
    return 2;
  }
  const out = resolve(values.out ?? `runs/lab/${benignOnlyMinutes ? 'benign-' : ''}seed-${seed}`);
  if (values.inside) {
    await runInside({ out, seed, scale, lead, benignOnlyMinutes });
    return 0;
  }

  const reason = labUnavailableReason() ?? (missingLabTool() ? `${missingLabTool()} is not installed` : null);
  if (reason) {
    process.stderr.write(`lab: cannot run: ${reason}\n`);
    return 3;
  }
  const namespace = values.netns ?? `iotids-lab-${process.pid}`;
  const startDelay = Number(values['start-delay']);
  if (!/^[\w.-]{1,32}$/.test(namespace) || !(startDelay >= 0 && startDelay <= 60)) {
    process.stderr.write(`lab: --netns must be a plain name and --start-delay in [0, 60]\n${USAGE}\n`);
    return 2;
  }
  createLabNamespace(namespace);
  const teardownOnExit = emergencyTeardown(namespace);
  process.on('exit', teardownOnExit);
  // From here on a signal must lead to the teardown below: forwarded to the inner run, or ending the wait.
  let inner: ChildProcess | null = null;
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupt.abort();
    inner?.kill(signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  process.stdout.write(`[lab] namespace ${namespace} ready (loopback only)\n`);
  try {
    // Time for a watcher to attach (`iot-ids watch --netns NAME --interface lo`) before any traffic flows.
    await sleep(startDelay * 1000, interrupt.signal);
    if (interrupt.signal.aborted) return 130;
    const self = fileURLToPath(import.meta.url);
    const args = ['--out', out, '--seed', String(seed), '--scale', String(scale), '--inside'];
    if (lead !== undefined) args.push('--lead', String(lead));
    if (benignOnlyMinutes !== undefined) args.push('--benign-only', '--minutes', String(benignOnlyMinutes));
    const child = spawn(
      'ip',
      ['netns', 'exec', namespace, process.execPath, ...process.execArgv, self, ...args],
      { stdio: 'inherit' },
    );
    inner = child;
    return await new Promise<number>((done) => {
      child.once('error', (error) => {
        process.stderr.write(`lab: ${error.message}\n`);
        done(1);
      });
      child.once('exit', (c, signal) => done(c ?? (signal ? 1 : 0)));
    });
  } finally {
    await destroyLabNamespace(namespace);
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', teardownOnExit);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(
        `lab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
