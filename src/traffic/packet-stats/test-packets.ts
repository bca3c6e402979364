import type { PacketView } from '../packet-view.js';

/** A PacketView with plausible defaults (a UDP packet between two hosts), for tests and benchmarks. */
export function makePacket(fields: Partial<PacketView> = {}): PacketView {
  return {
    index: 1,
    ts: 0,
    wireLength: 100,
    capturedLength: 100,
    srcMac: 0x0a0000000001,
    dstMac: 0x0a0000000002,
    ipVersion: 4,
    isArp: false,
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    protocol: 17,
    srcPort: 5000,
    dstPort: 53,
    ipLength: 86,
    payloadLength: 58,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    isFragment: false,
    wrongFragment: false,
    ...fields,
  };
}
