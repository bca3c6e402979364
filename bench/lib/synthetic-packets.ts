import type { PacketView } from '../../src/traffic/packet-view.js';
import { Random } from '../../src/util/random.js';

/**
 * An endless synthetic IoT capture for the packet benchmarks: `devices` hosts on 192.168.1.0/24 talking to
 * `servers` remote hosts over a few services (TCP 443/80/1883, UDP 53/123), requests and replies, each device
 * opening a new session (a fresh ephemeral port) now and then, so the socket table keeps meeting new streams
 * and has to evict. One PacketView object is reused and all address strings are made up front, so the
 * generator itself allocates nothing per packet.
 */
export function syntheticCapture(
  options: { seed?: number; devices?: number; servers?: number; packetsPerSecond?: number } = {},
): () => PacketView {
  const random = new Random(options.seed ?? 1);
  const devices = options.devices ?? 64;
  const servers = options.servers ?? 16;
  const meanGap = 1 / (options.packetsPerSecond ?? 200);
  const deviceIps = Array.from({ length: devices }, (_, i) => `192.168.1.${10 + i}`);
  const serverIps = Array.from({ length: servers }, (_, i) => `203.0.113.${1 + i}`);
  const services = [
    { protocol: 6, port: 443, size: 600 },
    { protocol: 6, port: 80, size: 300 },
    { protocol: 6, port: 1883, size: 120 },
    { protocol: 17, port: 53, size: 90 },
    { protocol: 17, port: 123, size: 76 },
  ];
  const sessionPort = Int32Array.from({ length: devices * services.length }, () => 1024 + random.int(64_000));
  const sessionServer = Int32Array.from({ length: devices * services.length }, () => random.int(servers));
  const gatewayMac = 0x02000000ffff;
  const packet: PacketView = {
    index: 0,
    ts: 1_700_000_000,
    wireLength: 0,
    capturedLength: 0,
    srcMac: 0,
    dstMac: 0,
    ipVersion: 4,
    isArp: false,
    srcIp: '',
    dstIp: '',
    protocol: 6,
    srcPort: 0,
    dstPort: 0,
    ipLength: 0,
    payloadLength: 0,
    tcpFlags: 0x18,
    tcpSeq: 0,
    tcpAck: 0,
    isFragment: false,
    wrongFragment: false,
  };
  return () => {
    packet.index++;
    packet.ts += -Math.log(1 - random.next()) * meanGap;
    // Skewed device popularity: a few chatty devices, many quiet ones.
    const device = Math.min(devices - 1, Math.floor(devices * random.next() * random.next()));
    const s = random.int(services.length);
    const session = device * services.length + s;
    if (random.next() < 0.01) {
      sessionPort[session] = 1024 + random.int(64_000);
      sessionServer[session] = random.int(servers);
    }
    const service = services[s];
    const size = Math.max(60, Math.round(service.size * (0.5 + random.next())));
    const deviceMac = 0x020000000000 + device;
    const reply = random.next() < 0.45;
    packet.protocol = service.protocol;
    packet.wireLength = packet.capturedLength = size;
    packet.ipLength = size - 14;
    if (reply) {
      packet.srcIp = serverIps[sessionServer[session]];
      packet.dstIp = deviceIps[device];
      packet.srcPort = service.port;
      packet.dstPort = sessionPort[session];
      packet.srcMac = gatewayMac;
      packet.dstMac = deviceMac;
    } else {
      packet.srcIp = deviceIps[device];
      packet.dstIp = serverIps[sessionServer[session]];
      packet.srcPort = sessionPort[session];
      packet.dstPort = service.port;
      packet.srcMac = deviceMac;
      packet.dstMac = gatewayMac;
    }
    return packet;
  };
}
