/**
 * A bounded UDP load generator for `bench/watch-live.ts`, run INSIDE the bench's network namespace
 * (`ip netns exec NS node --import tsx bench/lib/udp-load.ts RATE SECONDS [PROBES]`): benign-looking datagrams
 * from 127.0.0.20–29 to the device 127.0.0.10 on 100 ports, at RATE packets/s for SECONDS, never more than
 * RATE × SECONDS packets. Each client socket is replaced after 200 datagrams, so new connections keep starting
 * (a fresh source port) and old ones expire in the meter, as on a real network. Beside it, PROBES TCP connect
 * attempts a second (default 0) from the attacker 127.0.0.66 to closed ports of the device (SYN, answered by
 * a RST: a slow port scan, what the bench's model alerts on), never more than PROBES × SECONDS. Prints one
 * JSON line.
 */
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';

const rate = Number(process.argv[2]);
const seconds = Number(process.argv[3]);
const probeRate = Number(process.argv[4] ?? 0);
if (!(rate > 0) || !(seconds > 0) || !(probeRate >= 0)) {
  throw new Error('usage: udp-load.ts RATE SECONDS [PROBES]');
}
const limit = Math.round(rate * seconds);
const DEVICE = '127.0.0.10';
const CLIENTS = Array.from({ length: 10 }, (_, i) => `127.0.0.${20 + i}`);
const PER_SOCKET = 200;
const payload = Buffer.alloc(64, 0x61);

function open(client: string): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = createSocket('udp4');
    socket.once('error', fail);
    socket.bind({ address: client, port: 0 }, () => done(socket));
  });
}

const sockets = await Promise.all(CLIENTS.map(open));
const used = new Array<number>(sockets.length).fill(0);
let sent = 0;
let failed = 0;
const t0 = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;

const probeLimit = Math.round(probeRate * seconds);
let probes = 0;
let refused = 0;
const probing =
  probeLimit === 0
    ? null
    : setInterval(() => {
        const due = Math.min(probeLimit, Math.floor(elapsed() * probeRate) + 1);
        for (; probes < due; probes++) {
          // Ports 1–1023 in turn: nothing listens there in the namespace, so each probe is refused.
          const socket = connect({ host: DEVICE, port: 1 + (probes % 1023), localAddress: '127.0.0.66' });
          socket.once('error', () => refused++);
          socket.once('connect', () => socket.destroy());
        }
      }, 20);
// Sends in 5 ms slices, catching up to the schedule: the rate holds on average even when a slice runs late.
while (sent < limit && elapsed() < seconds + 5) {
  const due = Math.min(limit, Math.floor(elapsed() * rate) + 1);
  for (; sent < due; sent++) {
    const k = sent % sockets.length;
    sockets[k].send(payload, 5000 + (sent % 100), DEVICE, (error) => {
      if (error) failed++;
    });
    if (++used[k] >= PER_SOCKET) {
      const old = sockets[k];
      sockets[k] = await open(CLIENTS[k]);
      used[k] = 0;
      old.close();
    }
  }
  await new Promise((r) => setTimeout(r, 5));
}
const took = elapsed();
if (probing) clearInterval(probing);
await new Promise((r) => setTimeout(r, 200));
for (const s of sockets) s.close();
console.log(
  JSON.stringify({
    sent,
    failed,
    probes,
    refused,
    seconds: Number(took.toFixed(3)),
    rate: Math.round(sent / took),
  }),
);
