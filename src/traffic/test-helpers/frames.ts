/**
 * Hand-built frames for tests: Ethernet (optionally VLAN-tagged) carrying IPv4 or IPv6 with TCP, UDP or
 * ICMP. Checksums are left zero (nothing here verifies them).
 */
// The TCP flag bits, from the one place that names them (re-exported for the tests that build frames).
export { ACK, FIN, PSH, RST, SYN, URG } from '../logs/flags-to-state.js';

export interface TransportSpec {
  src: string;
  dst: string;
  /** Payload length in bytes (filled with 0x61). */
  payload?: number;
  ttl?: number;
}

export interface TcpSpec extends TransportSpec {
  sport: number;
  dport: number;
  flags: number;
  seq?: number;
  ack?: number;
}

export interface UdpSpec extends TransportSpec {
  sport: number;
  dport: number;
}

export interface IcmpSpec extends TransportSpec {
  type: number;
  code?: number;
}

export function ipv4Bytes(addr: string): number[] {
  return addr.split('.').map(Number);
}

export function ipv6Bytes(addr: string): number[] {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (tail === undefined && groups.length !== 8) throw new Error(`bad IPv6 address ${addr}`);
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

export function tcpSegment(s: TcpSpec): number[] {
  const seq = s.seq ?? 1000;
  const ack = s.ack ?? 0;
  const h = [
    s.sport >> 8,
    s.sport & 0xff,
    s.dport >> 8,
    s.dport & 0xff,
    (seq >>> 24) & 0xff,
    (seq >>> 16) & 0xff,
    (seq >>> 8) & 0xff,
    seq & 0xff,
    (ack >>> 24) & 0xff,
    (ack >>> 16) & 0xff,
    (ack >>> 8) & 0xff,
    ack & 0xff,
    0x50,
    s.flags,
    0xff,
    0xff,
    0,
    0,
    0,
    0,
  ];
  return [...h, ...Array<number>(s.payload ?? 0).fill(0x61)];
}

export function udpDatagram(s: UdpSpec): number[] {
  const len = 8 + (s.payload ?? 0);
  return [
    s.sport >> 8,
    s.sport & 0xff,
    s.dport >> 8,
    s.dport & 0xff,
    len >> 8,
    len & 0xff,
    0,
    0,
    ...Array<number>(s.payload ?? 0).fill(0x61),
  ];
}

export function icmpMessage(s: IcmpSpec): number[] {
  return [s.type, s.code ?? 0, 0, 0, 0, 1, 0, 1, ...Array<number>(s.payload ?? 0).fill(0x61)];
}

export interface Ipv4Options {
  /** Fragment offset in 8-byte units and the more-fragments flag. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  ihl?: number;
  totalLength?: number;
}

export function ipv4Packet(
  src: string,
  dst: string,
  protocol: number,
  payload: number[],
  o: Ipv4Options = {},
): number[] {
  const ihl = o.ihl ?? 5;
  const total = o.totalLength ?? ihl * 4 + payload.length;
  const frag = ((o.moreFragments ? 0x2000 : 0) | (o.fragmentOffset ?? 0)) & 0xffff;
  const h = [
    0x40 | (ihl & 0x0f),
    0,
    total >> 8,
    total & 0xff,
    0,
    1,
    frag >> 8,
    frag & 0xff,
    64,
    protocol,
    0,
    0,
    ...ipv4Bytes(src),
    ...ipv4Bytes(dst),
  ];
  while (h.length < Math.max(20, ihl * 4)) h.push(0);
  return [...h, ...payload];
}

export function ipv6Packet(src: string, dst: string, nextHeader: number, payload: number[]): number[] {
  const len = payload.length;
  return [
    0x60,
    0,
    0,
    0,
    len >> 8,
    len & 0xff,
    nextHeader,
    64,
    ...ipv6Bytes(src),
    ...ipv6Bytes(dst),
    ...payload,
  ];
}

export const MAC_A = [0x02, 0, 0, 0, 0, 0x0a];
export const MAC_B = [0x02, 0, 0, 0, 0, 0x0b];

/** Ethernet II around `payload`; `vlans` adds 802.1Q tags (the first with 802.1ad's 0x88a8 when `qinq`). */
export function ethernet(
  etherType: number,
  payload: number[],
  vlans: number[] = [],
  qinq = false,
): Uint8Array {
  const tags = vlans.flatMap((vid, i) => {
    const tpid = qinq && i === 0 ? 0x88a8 : 0x8100;
    return [tpid >> 8, tpid & 0xff, (vid >> 8) & 0x0f, vid & 0xff];
  });
  return Uint8Array.from([...MAC_B, ...MAC_A, ...tags, etherType >> 8, etherType & 0xff, ...payload]);
}

const isV6 = (a: string) => a.includes(':');

function ipFrame(src: string, dst: string, protocol: number, transport: number[]): Uint8Array {
  return isV6(src)
    ? ethernet(0x86dd, ipv6Packet(src, dst, protocol === 1 ? 58 : protocol, transport))
    : ethernet(0x0800, ipv4Packet(src, dst, protocol, transport));
}

export function tcpFrame(s: TcpSpec): Uint8Array {
  return ipFrame(s.src, s.dst, 6, tcpSegment(s));
}

export function udpFrame(s: UdpSpec): Uint8Array {
  return ipFrame(s.src, s.dst, 17, udpDatagram(s));
}

/** ICMP for IPv4 sources, ICMPv6 for IPv6 ones. */
export function icmpFrame(s: IcmpSpec): Uint8Array {
  return ipFrame(s.src, s.dst, 1, icmpMessage(s));
}
