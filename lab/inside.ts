import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LAB_GROUND_TRUTH_FORMAT,
  labGroundTruthSchema,
  type LabGroundTruth,
  type LabPhase,
} from '../src/traffic/lab-labels.js';
import { parseCaptureStats } from '../src/traffic/live/capture-stats.js';
import { writeJsonAtomic } from '../src/util/atomic-write.js';
import { Random } from '../src/util/random.js';
import { attackPhases } from './attacks.js';
import { startBenign } from './benign.js';
import { DEVICE_PORTS, startDevice } from './devices.js';
import { GAP_S, labPlan } from './lab-plan.js';
import { LAB_ADDRESSES } from './netns.js';
import { ChildRegistry, sleep, type LabChild } from './processes.js';

export interface LabOptions {
  out: string;
  seed: number;
  scale: number;
  /** Seconds of benign-only traffic before the first attack. Default 15 × scale. */
  lead?: number;
  /** A benign-only run of this many minutes (no attack phase): false alerts per hour need hours of it. */
  benignOnlyMinutes?: number;
}

const now = (): number => Date.now() / 1000;

/**
 * The lab proper, run inside its namespace (run.ts re-executes itself there): capture, device, broker,
 * benign clients, then the attack phases one after another, then the ground truth. Every child is
 * registered and stopped in `finally`, whatever fails.
 */
export async function runInside(options: LabOptions): Promise<LabGroundTruth> {
  const { device, clients, attacker } = LAB_ADDRESSES;
  const children = new ChildRegistry();
  // The capture has a registry of its own: it must outlive every other child, to record their last packets.
  const capture = new ChildRegistry();
  const stopBenign = new AbortController();
  const rng = new Random(options.seed);
  const confDir = await mkdtemp(join(tmpdir(), 'iot-ids-lab-'));
  const onSignal = (): void => stopBenign.abort();
  // `on`, not `once`: a second signal must not kill the run before its cleanup has stopped every child.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
  let closeDevice: (() => Promise<void>) | undefined;
  try {
    await mkdir(options.out, { recursive: true });
    const pcap = join(options.out, 'run.pcap');
    const tcpdump = capture.start('tcpdump', 'tcpdump', ['-i', 'lo', '-n', '-U', '-B', '32768', '-w', pcap], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const tcpdumpErr = collect(tcpdump);
    await waitFor(() => tcpdumpErr.text.includes('listening on'), 10_000, 'tcpdump to start listening');
    const start = now();

    const conf = join(confDir, 'mosquitto.conf');
    await writeFile(
      conf,
      `listener ${DEVICE_PORTS.mqtt} ${device}\nallow_anonymous true\npersistence false\nlog_dest none\n`,
    );
    children.start('mosquitto', 'mosquitto', ['-c', conf]);
    await waitForPort(device, DEVICE_PORTS.mqtt, 10_000);
    const admin = { user: 'admin', password: `cam-${randomBytes(4).toString('hex')}` };
    const running = await startDevice(device, admin);
    closeDevice = () => running.close();

    const scale = options.scale;
    const plan = labPlan(options);
    const { lead, maxSeconds } = plan;
    const benign = startBenign(
      { device, clients, seed: rng.nextUint32(), admin, maxSeconds },
      children,
      stopBenign.signal,
    );
    const phases: LabPhase[] = [];
    await sleep(lead * 1000, stopBenign.signal);
    const attacks = plan.attacks ? attackPhases({ device, attacker, scale, seed: options.seed }) : [];
    for (const phase of attacks) {
      if (stopBenign.signal.aborted) break;
      const phaseStart = now();
      log(`phase ${phase.name} started: ${phase.command}`);
      const exitCode = await phase.run(children);
      const phaseEnd = now();
      log(`phase ${phase.name} ended after ${(phaseEnd - phaseStart).toFixed(1)} s (exit ${exitCode})`);
      phases.push({
        name: phase.name,
        tool: phase.tool,
        command: phase.command,
        start: phaseStart,
        end: phaseEnd,
        attacker,
        target: device,
        ports: phase.ports,
        bound: phase.bound,
        exitCode,
      });
      // Jittered gap, so phase boundaries do not fall on a fixed grid across seeds.
      await sleep((GAP_S * scale + rng.next()) * 1000, stopBenign.signal);
    }
    await sleep(plan.coolDown * 1000, stopBenign.signal);
    if (phases.length < attacks.length) throw new Error('the lab was interrupted before every phase ran');
    if (!plan.attacks && stopBenign.signal.aborted) throw new Error('the lab was interrupted before its end');

    stopBenign.abort();
    await Promise.race([benign.done, sleep(8000)]);
    await children.stopAll();
    await running.close();
    closeDevice = undefined;
    await sleep(300); // the last FINs reach the capture
    await capture.stop(tcpdump, 5000);
    const end = now();
    const captureStats = parseCaptureStats(tcpdumpErr.text);
    if (!captureStats) throw new Error(`tcpdump reported no statistics: ${tcpdumpErr.text.slice(-500)}`);
    const truth: LabGroundTruth = labGroundTruthSchema.parse({
      format: LAB_GROUND_TRUTH_FORMAT,
      version: 1,
      seed: options.seed,
      scale,
      start,
      end,
      pcap: 'run.pcap',
      addresses: { device, clients: [...clients], attacker },
      grace: { before: 0.5, after: 2 },
      phases,
      benign: { ...benign.counts, ...prefixed('device-', running.counters) },
      capture: captureStats,
    });
    await writeJsonAtomic(join(options.out, 'ground-truth.json'), truth);
    log(`capture: ${JSON.stringify(captureStats)}; benign: ${JSON.stringify(truth.benign)}`);
    log(`wrote ${pcap} and ${join(options.out, 'ground-truth.json')} (${(end - start).toFixed(1)} s)`);
    return truth;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
    stopBenign.abort();
    await children.stopAll();
    await closeDevice?.();
    await capture.stopAll();
    await rm(confDir, { recursive: true, force: true });
  }
}

function prefixed(prefix: string, counts: object): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${prefix}${k}`, v as number]));
}

function collect(entry: LabChild): { text: string } {
  const out = { text: '' };
  entry.child.stderr?.on('data', (chunk: Buffer) => {
    if (out.text.length < 20_000) out.text += chunk.toString();
  });
  return out;
}

async function waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${host}:${port}`);
    await sleep(100);
  }
}

function log(message: string): void {
  process.stdout.write(`[lab ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}
