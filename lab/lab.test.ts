import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  labelConnection,
  labGroundTruthSchema,
  LAB_UNATTRIBUTED,
  type LabGroundTruth,
  type LabPhase,
} from '../src/traffic/lab-labels.js';
import type { CaptureRun } from '../src/traffic/live/live-source.js';
import { TcpdumpCapture, type CaptureEvent } from '../src/traffic/live/tcpdump-capture.js';
import { labUnavailableReason } from './netns.js';
import { LAB_TOOLS, missingLabTool } from './run.js';

const repo = resolve(import.meta.dirname, '..');

function skipReason(): string | null {
  const lab = labUnavailableReason();
  if (lab) return lab;
  const missing =
    missingLabTool() ??
    ['tshark', 'capinfos'].find((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) ??
    null;
  return missing
    ? `${missing} is not installed (the lab needs ${[...LAB_TOOLS, 'tshark'].join(', ')})`
    : null;
}

const reason = skipReason();
if (reason) console.warn(`lab/lab.test.ts skipped: ${reason}`);

/** One captured packet, as tshark decodes it (the fields the checks need). */
interface Pkt {
  ts: number;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  syn: boolean;
  ack: boolean;
  icmpType: number | null;
  mqttPublishes: number;
  httpMethod: string;
  dnsResponse: string;
  ntpMode: string;
}

const FIELDS = [
  'frame.time_epoch',
  'ip.src',
  'ip.dst',
  'ip.proto',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'mqtt.msgtype',
  'http.request.method',
  'dns.flags.response',
  'ntp.flags.mode',
];

function readPackets(pcap: string): Pkt[] {
  const args = ['-r', pcap, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  const text = execFileSync('tshark', [...args, ...FIELDS.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'], // tshark warns that it runs as root
    maxBuffer: 256 * 1024 * 1024,
  });
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const f = line.split('\t');
      // ICMP errors quote the offending datagram: take the outer header's values (the first occurrence).
      const first = (i: number): string => (f[i] ?? '').split(',')[0] ?? '';
      const tcp = first(4) !== '';
      return {
        ts: Number(f[0]),
        src: first(1),
        dst: first(2),
        proto: Number(first(3)),
        sport: Number(tcp ? first(4) : first(8)),
        dport: Number(tcp ? first(5) : first(9)),
        syn: first(6) === '1' || first(6) === 'True',
        ack: first(7) === '1' || first(7) === 'True',
        icmpType: first(10) === '' ? null : Number(first(10)),
        mqttPublishes: (f[11] ?? '').split(',').filter((t) => t === '3').length,
        httpMethod: first(12),
        dnsResponse: first(13),
        ntpMode: first(14),
      };
    });
}

async function drainRuns(source: { runs(): AsyncIterable<CaptureRun> }): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const run of source.runs()) {
    const chunks: Buffer[] = [];
    for await (const chunk of run.stream) chunks.push(chunk as Buffer);
    out.push(Buffer.concat(chunks));
  }
  return out;
}

describe.skipIf(reason !== null)('the traffic lab (quick run in its own namespace)', () => {
  let dir: string;
  let truth: LabGroundTruth;
  let packets: Pkt[];
  const inPhase = (p: LabPhase, x: Pkt): boolean =>
    x.ts >= p.start - truth.grace.before && x.ts <= p.end + truth.grace.after;
  /** Packets tcpdump reported lost; on a loaded machine the kernel may drop a few from the capture. */
  const dropped = (): number =>
    (truth.capture?.droppedByKernel ?? 0) + (truth.capture?.droppedByInterface ?? 0);
  /** Exact when the capture lost nothing, else short by at most the packets it lost. */
  const expectAbout = (actual: number, expected: number): void => {
    expect(actual).toBeLessThanOrEqual(expected);
    expect(actual).toBeGreaterThanOrEqual(expected - dropped());
  };
  const phase = (name: string): LabPhase => truth.phases.find((p) => p.name === name)!;
  const fromAttacker = (p: LabPhase): Pkt[] =>
    packets.filter((x) => x.src === truth.addresses.attacker && inPhase(p, x));

  // A capture attached from outside, as `watch --netns` does: tcpdump through `ip netns exec`.
  const watcherEvents: CaptureEvent[] = [];
  let watcherStreams: Buffer[] = [];
  const namespace = `iotids-labtest-${process.pid}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-lab-test-'));
    const args = ['--quick', '--seed', '5', '--out', dir, '--netns', namespace, '--start-delay', '2'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'lab/run.ts', ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let watcher: TcpdumpCapture | undefined;
    let watched: Promise<Buffer[]> = Promise.resolve([]);
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (!watcher && output.includes(`namespace ${namespace} ready`)) {
        watcher = new TcpdumpCapture({ interface: 'lo', netns: namespace, backoff: { maxRestarts: 0 } });
        watcher.on('event', (e: CaptureEvent) => watcherEvents.push(e));
        watched = drainRuns(watcher);
      }
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
    // The lab's teardown ends the watcher's tcpdump; stop() is only the safety net if it did not.
    await Promise.race([watched, new Promise((r) => setTimeout(r, 10_000))]);
    await watcher?.stop();
    watcherStreams = await watched;
    if (code !== 0) throw new Error(`lab exited with ${code}:\n${output}`);
    truth = labGroundTruthSchema.parse(JSON.parse(await readFile(join(dir, 'ground-truth.json'), 'utf8')));
    packets = readPackets(join(dir, truth.pcap));
    console.log(`lab test capture: ${JSON.stringify(truth.capture)}`);
  }, 150_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leaves no namespace and no process behind', () => {
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(namespace);
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      // Only this run's processes: another lab (a watch test in a parallel fork) may be running meanwhile.
      .filter((l) => l.includes(dir) || l.includes(namespace));
    expect(left).toEqual([]);
  });

  it('lets a capture attached from outside see every attack, and ends it at teardown (as for watch)', () => {
    expect(watcherStreams).toHaveLength(1);
    const stream = watcherStreams[0];
    let records = 0;
    for (let at = 24; at + 16 <= stream.length; at += 16 + stream.readUInt32LE(at + 8)) records++;
    // It listened before the first attack, and outlived the lab's own capture.
    expect(records).toBeGreaterThanOrEqual(packets.filter((x) => x.ts >= truth.phases[0].start).length);
    const exit = watcherEvents.find((e) => e.type === 'exit');
    expect(exit).toMatchObject({ requested: false, code: 0, stats: { captured: records } });
    expect(watcherEvents.at(-1)).toMatchObject({ type: 'gave-up' });
  });

  it('writes a consistent ground truth: seven phases in order, inside the capture, from the attacker', () => {
    expect(truth.capture?.captured).toBe(packets.length);
    expect(truth.phases.map((p) => p.name)).toEqual([
      'syn-scan',
      'connect-scan',
      'udp-scan',
      'syn-flood',
      'udp-flood',
      'credential-guessing',
      'mqtt-flood',
    ]);
    let previousEnd = truth.start;
    for (const p of truth.phases) {
      expect(p.start).toBeGreaterThanOrEqual(previousEnd);
      expect(p.end).toBeGreaterThan(p.start);
      expect(p.attacker).toBe('127.0.0.66');
      expect(p.target).toBe('127.0.0.10');
      previousEnd = p.end;
    }
    expect(truth.end).toBeGreaterThan(previousEnd);
    const info = execFileSync('capinfos', ['-a', '-e', '-c', '-S', join(dir, truth.pcap)], {
      encoding: 'utf8',
    });
    const first = Number(/First packet time:\s+([\d.]+)/.exec(info)?.[1]);
    const last = Number(/Last packet time:\s+([\d.]+)/.exec(info)?.[1]);
    expect(Number(/Number of packets:\s+(\d+)/.exec(info)?.[1])).toBe(packets.length);
    expect(first).toBeGreaterThanOrEqual(truth.start - 0.01);
    expect(last).toBeLessThanOrEqual(truth.end + 0.01);
  });

  it('holds only the lab addresses, and labels every attacker packet with a phase', () => {
    const allowed = new Set([truth.addresses.device, truth.addresses.attacker, ...truth.addresses.clients]);
    allowed.add('127.0.0.1'); // the lab's own readiness probe of the broker
    for (const x of packets) {
      expect(allowed.has(x.src) && allowed.has(x.dst), `${x.src} → ${x.dst}`).toBe(true);
    }
    const attackerPackets = packets.filter((x) => x.src === '127.0.0.66' || x.dst === '127.0.0.66');
    expect(attackerPackets.length).toBeGreaterThan(0);
    for (const x of attackerPackets) {
      expect(labelConnection({ ts: x.ts, origH: x.src, respH: x.dst }, truth)).not.toBe(LAB_UNATTRIBUTED);
    }
    // The attacker is silent between phases: nothing from it before the first one starts.
    expect(attackerPackets.every((x) => x.ts >= truth.phases[0].start - truth.grace.before)).toBe(true);
  });

  it('scans: SYNs to every port of the range, connect-scan handshakes, UDP probes drawing ICMP errors', () => {
    for (const name of ['syn-scan', 'connect-scan']) {
      const p = phase(name);
      const synPorts = new Set(
        fromAttacker(p)
          .filter((x) => x.syn && !x.ack)
          .map((x) => x.dport),
      );
      expect(synPorts.size, name).toBeGreaterThanOrEqual(p.bound);
    }
    // A connect scan completes the handshake with the open ports (HTTP on 80): a bare ACK follows.
    const connect = fromAttacker(phase('connect-scan'));
    expect(connect.some((x) => x.dport === 80 && x.ack && !x.syn)).toBe(true);
    const udp = phase('udp-scan');
    const probed = new Set(
      fromAttacker(udp)
        .filter((x) => x.proto === 17)
        .map((x) => x.dport),
    );
    expect(probed.size).toBeGreaterThanOrEqual(udp.bound);
    const unreachable = packets.filter((x) => x.dst === '127.0.0.66' && x.icmpType === 3 && inPhase(udp, x));
    expect(unreachable.length).toBeGreaterThan(udp.bound / 2);
  });

  it('floods: the bounded packet counts of hping3 reach the capture', () => {
    const syn = phase('syn-flood');
    const syns = fromAttacker(syn).filter((x) => x.proto === 6 && x.dport === 80 && x.syn && !x.ack);
    expectAbout(syns.length, syn.bound);
    const udp = phase('udp-flood');
    expectAbout(fromAttacker(udp).filter((x) => x.proto === 17 && x.dport === 53).length, udp.bound);
  });

  it('credential guessing and the MQTT publish flood', () => {
    const guess = phase('credential-guessing');
    const connections = new Set(
      fromAttacker(guess)
        .filter((x) => x.dport === 23 && x.syn)
        .map((x) => x.sport),
    );
    expectAbout(connections.size, Math.ceil(guess.bound / 3));
    expect(truth.benign['device-loginFailures']).toBe(guess.bound);
    const flood = phase('mqtt-flood');
    const publishes = fromAttacker(flood)
      .filter((x) => x.dport === 1883)
      .reduce((n, x) => n + x.mqttPublishes, 0);
    expect(publishes).toBe(flood.bound); // a few large segments: no drop observed here
    const sessions = new Set(
      fromAttacker(flood)
        .filter((x) => x.dport === 1883 && x.syn)
        .map((x) => x.sport),
    );
    expect(sessions.size).toBe(16);
  });

  it('benign traffic runs throughout: MQTT telemetry, HTTP polls, DNS and NTP request/response', () => {
    const clients = new Set(truth.addresses.clients);
    const sensorPublishes = packets
      .filter((x) => clients.has(x.src) && x.dport === 1883)
      .reduce((n, x) => n + x.mqttPublishes, 0);
    // Sensor readings plus the controller's commands, each one PUBLISH on the wire. In about one run of
    // ten under load, one reading written to a long-lived mosquitto_pub shortly before the end does not
    // reach the wire (cause not pinned down): at most one per long-lived sensor is tolerated.
    const written = truth.benign['mqtt-publishes'] + (truth.benign['mqtt-commands'] ?? 0);
    expect(sensorPublishes).toBeLessThanOrEqual(written);
    expect(sensorPublishes).toBeGreaterThanOrEqual(written - 4 - dropped());
    const gets = packets.filter((x) => clients.has(x.src) && x.dport === 80 && x.httpMethod !== '');
    // A poll is counted only once its 200 answer arrived, so its request was on the wire. Once in a clean-
    // clone CI run beside a benchmark (load ≈ 4), one request of 27 was missing from the capture with no
    // drop reported — the same unexplained loopback loss as the DNS answer below: one is tolerated.
    expect(gets.length).toBeLessThanOrEqual(truth.benign['http-polls']);
    expect(gets.length).toBeGreaterThanOrEqual(truth.benign['http-polls'] - 1 - dropped());
    const dnsQueries = packets.filter((x) => clients.has(x.src) && x.dport === 53 && x.dnsResponse === '0');
    const dnsAnswers = packets.filter((x) => clients.has(x.dst) && x.sport === 53 && x.dnsResponse === '1');
    expect(dnsQueries.length).toBeGreaterThanOrEqual(truth.benign['dns-queries'] - dropped());
    // Answers are counted by the clients on receipt. Once in a full CI run under load (load ≈ 20: four
    // benchmarks beside it), one received DNS answer of 48 was missing from the capture with no kernel drop
    // reported (cause not pinned down; tcpdump's receivedByFilter counts loopback packets twice, so its
    // statistics cannot show it): one answer is tolerated.
    expect(dnsAnswers.length).toBeLessThanOrEqual(truth.benign['dns-answers']);
    expect(dnsAnswers.length).toBeGreaterThanOrEqual(truth.benign['dns-answers'] - 1 - dropped());
    const ntpRequests = packets.filter((x) => clients.has(x.src) && x.dport === 123 && x.ntpMode === '3');
    const ntpReplies = packets.filter((x) => clients.has(x.dst) && x.sport === 123 && x.ntpMode === '4');
    expect(ntpRequests.length).toBeGreaterThanOrEqual(truth.benign['ntp-queries'] - dropped());
    expectAbout(ntpReplies.length, truth.benign['ntp-answers']);
    // Benign traffic does not pause for the attacks: some in every phase's window.
    for (const p of truth.phases) {
      const benignDuring = packets.filter(
        (x) => clients.has(x.src) && x.ts >= p.start - 1 && x.ts <= p.end + 1,
      );
      expect(benignDuring.length, p.name).toBeGreaterThan(0);
    }
  });
});
