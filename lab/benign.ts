import { createSocket } from 'node:dgram';
import { setMaxListeners } from 'node:events';
import { request } from 'node:http';
import type { Writable } from 'node:stream';
import { Random } from '../src/util/random.js';
import { decodeResponseAddress, encodeQuery } from './dns-codec.js';
import { DEVICE_PORTS, ntpTimestamp } from './devices.js';
import { tryLogins } from './login-client.js';
import { sleep, type ChildRegistry } from './processes.js';

/**
 * The benign side of the lab: the device's everyday clients, each from its own address, with seeded
 * timings and telemetry values. They run from the first to the last second of the lab, attacks or not.
 *
 *   127.0.0.20–23  sensors on long-lived MQTT connections (one reading every 1–3 s)
 *   127.0.0.24–25  battery sensors that connect, publish one reading (QoS 1) and disconnect every 4–6 s
 *   127.0.0.26     the controller: subscribed to sensors/#, sends a command every ~10 s
 *   127.0.0.27–28  dashboards polling GET /api/status every ~2 s
 *   127.0.0.29     the admin: GET /api/telemetry every ~5 s, a config POST and a Telnet login every ~15 s
 *   all of them    DNS-like lookups every 3–7 s and NTP-like time queries every 6–12 s
 */

export interface BenignPlan {
  device: string;
  clients: readonly string[];
  seed: number;
  admin: { user: string; password: string };
  /** How long the controller's subscription may live at most (its own bound, beside the abort). */
  maxSeconds: number;
}

export type BenignCounts = Record<string, number>;

export function startBenign(
  plan: BenignPlan,
  children: ChildRegistry,
  signal: AbortSignal,
): { counts: BenignCounts; done: Promise<void> } {
  // Every loop's sleep listens for the end of the lab (about forty at once).
  setMaxListeners(200, signal);
  const counts: BenignCounts = {};
  const bump = (key: string, n = 1): void => {
    counts[key] = (counts[key] ?? 0) + n;
  };
  const root = new Random(plan.seed);
  const c = plan.clients;
  const loops: Promise<void>[] = [];
  /** The long-lived publishers end on their own once their stdin closes, after sending every line. */
  const publishers: Promise<unknown>[] = [];
  /** Repeats `action` every `minMs`–`maxMs` (uniform, seeded) until the lab ends. */
  const every = (minMs: number, maxMs: number, action: (rng: Random) => Promise<void>): void => {
    const rng = new Random(root.nextUint32());
    loops.push(
      (async () => {
        await sleep(rng.next() * minMs, signal); // staggered start
        while (!signal.aborted) {
          try {
            await action(rng);
          } catch {
            bump('errors');
          }
          await sleep(minMs + rng.next() * (maxMs - minMs), signal);
        }
      })(),
    );
  };
  const mqtt = ['-h', plan.device, '-p', String(DEVICE_PORTS.mqtt)];

  c.slice(0, 4).forEach((address, i) => {
    const sensor = new Sensor(i, new Random(root.nextUint32()));
    const pub = children.start(
      `sensor-${i}`,
      'mosquitto_pub',
      [...mqtt, '-A', address, '-i', `sensor-${i}`, '-t', `sensors/${i}/telemetry`, '-l', '-k', '30'],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    publishers.push(pub.exited);
    const stdin = pub.child.stdin as Writable;
    stdin.on('error', () => bump('errors'));
    // End of input a moment after the last reading: mosquitto_pub drops a line that arrives with the EOF.
    signal.addEventListener('abort', () => void sleep(300).then(() => stdin.end()), { once: true });
    every(1000, 3000, () => {
      stdin.write(`${sensor.reading()}\n`);
      bump('mqtt-publishes');
      return Promise.resolve();
    });
  });
  c.slice(4, 6).forEach((address, j) => {
    const i = 4 + j;
    const sensor = new Sensor(i, new Random(root.nextUint32()));
    every(4000, 6000, async () => {
      const args = [...mqtt, '-A', address, '-i', `sensor-${i}`, '-q', '1', '-t', `sensors/${i}/telemetry`];
      const { code } = await children.run(
        `sensor-${i}`,
        'mosquitto_pub',
        [...args, '-m', sensor.reading()],
        5000,
      );
      bump(code === 0 ? 'mqtt-publishes' : 'errors');
    });
  });
  const controller = c[6];
  const sub = children.start(
    'controller',
    'mosquitto_sub',
    [
      ...mqtt,
      '-A',
      controller,
      '-i',
      'controller',
      '-t',
      'sensors/#',
      '-W',
      String(Math.ceil(plan.maxSeconds)),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  sub.child.stdout?.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 10) bump('mqtt-received');
  });
  signal.addEventListener('abort', () => void children.stop(sub), { once: true });
  every(8000, 12000, async (rng) => {
    const command = JSON.stringify({ cmd: rng.next() < 0.5 ? 'snapshot' : 'ping', at: Date.now() });
    const args = [
      ...mqtt,
      '-A',
      controller,
      '-i',
      'controller-cmd',
      '-t',
      'devices/cam-01/cmd',
      '-m',
      command,
    ];
    const { code } = await children.run('controller-cmd', 'mosquitto_pub', args, 5000);
    bump(code === 0 ? 'mqtt-commands' : 'errors');
  });

  for (const address of [c[7], c[8]]) {
    every(1500, 2500, async () => {
      await httpCall(address, plan.device, 'GET', '/api/status');
      bump('http-polls');
    });
  }
  const admin = c[9];
  every(4000, 6000, async () => {
    await httpCall(admin, plan.device, 'GET', '/api/telemetry');
    bump('http-polls');
  });
  every(12000, 18000, async (rng) => {
    await httpCall(admin, plan.device, 'POST', '/api/config', JSON.stringify({ fps: 15 + rng.int(16) }));
    bump('http-polls');
    const { success } = await tryLogins(admin, plan.device, DEVICE_PORTS.login, [
      [plan.admin.user, plan.admin.password],
    ]);
    bump(success ? 'admin-logins' : 'errors');
  });

  const names = ['cam-01.iot.lab', 'hub.iot.lab', 'broker.iot.lab', 'update.vendor.example', 'time.iot.lab'];
  for (const address of c) {
    // A query counts once it is on the wire: on a loaded machine the socket can time out before it is
    // even bound, and such a query (counted apart) never reaches the capture.
    every(3000, 7000, async (rng) => {
      const { sent, answered } = await dnsLookup(
        address,
        plan.device,
        rng.int(65536),
        names[rng.int(names.length)],
      );
      bump(sent ? 'dns-queries' : 'dns-unsent');
      if (answered) bump('dns-answers');
    });
    every(6000, 12000, async () => {
      const { sent, answered } = await ntpQuery(address, plan.device);
      bump(sent ? 'ntp-queries' : 'ntp-unsent');
      if (answered) bump('ntp-answers');
    });
  }
  const done = Promise.all(loops).then(() => Promise.race([Promise.all(publishers), sleep(5000)]));
  return { counts, done: done.then(() => undefined) };
}

/** A sensor's reading: a seeded random walk around a plausible value, as one JSON line. */
class Sensor {
  private readonly kind: 'temperature' | 'humidity' | 'power';
  private value: number;

  constructor(
    private readonly id: number,
    private readonly rng: Random,
  ) {
    this.kind = (['temperature', 'humidity', 'power'] as const)[id % 3]!;
    this.value = { temperature: 21, humidity: 45, power: 120 }[this.kind] + rng.normal() * 2;
  }

  reading(): string {
    this.value += this.rng.normal() * (this.kind === 'power' ? 3 : 0.2);
    return JSON.stringify({
      sensor: this.id,
      [this.kind]: Math.round(this.value * 100) / 100,
      ts: Date.now(),
    });
  }
}

function httpCall(local: string, device: string, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: device,
        port: DEVICE_PORTS.http,
        path,
        method,
        localAddress: local,
        agent: false,
        timeout: 3000,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('HTTP timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One UDP exchange from a fresh socket on `local` (a new source port each time, as stub resolvers do).
 * `sent` tells whether the request left the socket (the send completed without error).
 */
function udpExchange(
  local: string,
  device: string,
  port: number,
  payload: Buffer,
): Promise<{ sent: boolean; answer: Buffer | null }> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let sent = false;
    let finished = false;
    const done = (answer: Buffer | null): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      // A reply proves the request left, whichever callback ran first.
      resolve({ sent: sent || answer !== null, answer });
    };
    const timer = setTimeout(() => done(null), 1000);
    socket.on('error', () => done(null));
    socket.once('message', (msg) => done(msg));
    socket.bind(0, local, () => {
      if (finished) return;
      socket.send(payload, port, device, (error) => {
        if (!error) sent = true;
      });
    });
  });
}

async function dnsLookup(
  local: string,
  device: string,
  id: number,
  name: string,
): Promise<{ sent: boolean; answered: boolean }> {
  const { sent, answer } = await udpExchange(local, device, DEVICE_PORTS.dns, encodeQuery(id, name));
  return {
    sent,
    answered: answer !== null && (decodeResponseAddress(answer) !== null || answer.length >= 12),
  };
}

async function ntpQuery(local: string, device: string): Promise<{ sent: boolean; answered: boolean }> {
  const request = Buffer.alloc(48);
  request[0] = (0 << 6) | (4 << 3) | 3; // version 4, mode 3 (client)
  ntpTimestamp(Date.now()).copy(request, 40);
  const { sent, answer } = await udpExchange(local, device, DEVICE_PORTS.ntp, request);
  return { sent, answered: answer !== null && answer.length === 48 };
}
