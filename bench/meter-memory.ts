/**
 * Heap bytes per open connection in the connection meter, as watch's open table holds them:
 *
 *   node --expose-gc --import tsx bench/meter-memory.ts [--open 66700]
 *
 * Meters `--open` UDP flows (the shape of bench/watch-live.ts's load: 10 sources, a new source port per
 * flow, two packets each, interim records on) and as many TCP flows (SYN, SYN-ACK), each set in a fresh
 * meter, and reports the growth of V8's live heap after full collections divided by the open count: the
 * connection objects, the hash buckets and the interim queue. Records are counted and dropped at once.
 * Prints one JSON line and one human line.
 */
import { parseArgs } from 'node:util';
import { DecodedPacket } from '../src/traffic/decode/decoded-packet.js';
import { ConnectionMeter } from '../src/traffic/meter/connection-meter.js';

const { values } = parseArgs({ options: { open: { type: 'string', default: '66700' } } });
const open = Number(values.open);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('bench/meter-memory.ts needs node --expose-gc');
  process.exit(2);
}

function liveHeap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function bytesPerConnection(protocol: 6 | 17): { open: number; bytes: number } {
  let records = 0;
  const meter = new ConnectionMeter({ onRecord: () => void records++, interimInterval: 10 });
  const p = new DecodedPacket();
  const before = liveHeap();
  for (let i = 0; i < open; i++) {
    const ts = 1.7e9 + 0.123 + i * 0.0005;
    for (const reply of [false, true]) {
      p.reset();
      p.ts = reply ? ts + 0.0001 : ts;
      p.ipVersion = 4;
      p.protocol = protocol;
      p.hasPorts = true;
      const client = 0x0a000014 + (i % 10);
      const server = 0x0a00000a;
      const clientPort = 1024 + Math.floor(i / 10);
      p.src4 = reply ? server : client;
      p.dst4 = reply ? client : server;
      p.srcPort = reply ? 53 : clientPort;
      p.dstPort = reply ? clientPort : 53;
      p.ipLength = protocol === 17 ? 92 : 40;
      p.payloadLength = protocol === 17 ? 64 : 0;
      p.tcpFlags = reply ? 0x12 : 0x02;
      p.tcpSeq = reply ? 5000 : 1000;
      p.tcpAck = reply ? 1001 : 0;
      meter.add(p);
    }
  }
  const bytes = (liveHeap() - before) / meter.stats.open;
  if (records < 0) console.log(records); // keeps the meter's output alive to the end
  return { open: meter.stats.open, bytes: Math.round(bytes) };
}

const udp = bytesPerConnection(17);
const tcp = bytesPerConnection(6);
console.log(JSON.stringify({ bench: 'meter-memory', udp, tcp }));
console.log(
  `meter memory: ${udp.bytes} heap bytes per open UDP connection (${udp.open} open, ` +
    `${((udp.bytes * udp.open) / 2 ** 20).toFixed(1)} MiB), ${tcp.bytes} per open TCP connection (${tcp.open} open)`,
);
