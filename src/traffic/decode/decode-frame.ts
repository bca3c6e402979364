import type { SkipTally } from '../conn-record.js';
import { framePosition, type RawFrame } from '../capture/raw-frame.js';
import type { DecodedPacket } from './decoded-packet.js';

/** LINKTYPE_ values (tcpdump.org/linktypes.html) the decoder reads. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_12: 12,
  RAW_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ outer tag) and the older 0x9100 QinQ tag. */
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;

/**
 * Decodes link, network and transport headers of one frame into `view` (reset first). Returns true when the
 * view holds an IP or ARP packet; false when the frame was counted in `skips` with its reason and position
 * (non-IP frame, unsupported link type, malformed or uncaptured headers). Never throws on frame content.
 *
 * IPv4 and IPv6 fragments are not reassembled: every fragment sets `isFragment`, only the first carries
 * ports. `wrongFragment` (KDD'99's wrong_fragment, counted per connection) marks a fragment that cannot be
 * part of a valid datagram: an empty fragment, a non-last fragment whose payload is not a multiple of
 * 8 bytes, or one reaching past the 65,535-byte datagram limit (ping of death). Overlapping fragments
 * (teardrop) would need reassembly state and are not detected.
 */
export function decodeFrame(frame: RawFrame, view: DecodedPacket, skips: SkipTally): boolean {
  view.reset();
  view.index = frame.index;
  view.ts = frame.ts;
  view.wireLength = frame.wireLength;
  view.capturedLength = frame.capturedLength;
  const b = frame.bytes;
  const start = frame.start;
  const end = start + frame.capturedLength;
  let at = start;
  let etherType: number;
  switch (frame.linkType) {
    case LINKTYPE.ETHERNET: {
      if (end - at < 14) return skip(skips, frame, 'frame shorter than its link header');
      view.dstMac = mac(b, at);
      view.srcMac = mac(b, at + 6);
      etherType = (b[at + 12] << 8) | b[at + 13];
      at += 14;
      while (
        etherType === ETHERTYPE_VLAN ||
        etherType === ETHERTYPE_QINQ ||
        etherType === ETHERTYPE_QINQ_OLD
      ) {
        if (end - at < 4) return skip(skips, frame, 'frame shorter than its VLAN tag');
        view.vlan = ((b[at] << 8) | b[at + 1]) & 0x0fff;
        etherType = (b[at + 2] << 8) | b[at + 3];
        at += 4;
      }
      break;
    }
    case LINKTYPE.LINUX_SLL: {
      if (end - at < 16) return skip(skips, frame, 'frame shorter than its link header');
      if (((b[at + 4] << 8) | b[at + 5]) === 6) view.srcMac = mac(b, at + 6);
      etherType = (b[at + 14] << 8) | b[at + 15];
      at += 16;
      break;
    }
    case LINKTYPE.LINUX_SLL2: {
      if (end - at < 20) return skip(skips, frame, 'frame shorter than its link header');
      if (b[at + 11] === 6) view.srcMac = mac(b, at + 12);
      etherType = (b[at] << 8) | b[at + 1];
      at += 20;
      break;
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_12:
    case LINKTYPE.RAW_14:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6: {
      if (end - at < 1) return skip(skips, frame, 'frame shorter than its link header');
      const version = b[at] >> 4;
      etherType = version === 4 ? ETHERTYPE_IPV4 : version === 6 ? ETHERTYPE_IPV6 : -1;
      if (frame.linkType === LINKTYPE.IPV4 && version !== 4) etherType = -1;
      if (frame.linkType === LINKTYPE.IPV6 && version !== 6) etherType = -1;
      if (etherType < 0) return skip(skips, frame, 'raw IP frame with a bad version');
      break;
    }
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (end - at < 4) return skip(skips, frame, 'frame shorter than its link header');
      // The address family is in the capturing host's byte order (NULL) or big-endian (LOOP).
      const le = b[at] | (b[at + 1] << 8);
      const be = (b[at + 2] << 8) | b[at + 3];
      const family = frame.linkType === LINKTYPE.LOOP ? be : le !== 0 ? le : be;
      etherType =
        family === 2 ? ETHERTYPE_IPV4 : family === 24 || family === 28 || family === 30 ? ETHERTYPE_IPV6 : -1;
      at += 4;
      if (etherType < 0) return skip(skips, frame, 'non-IP frame');
      break;
    }
    default:
      return skip(skips, frame, `unsupported link type ${frame.linkType}`);
  }
  // Bytes of the frame on the wire after the link header: what IP lengths must fit in.
  const wireEnd = start + frame.wireLength;
  if (etherType === ETHERTYPE_IPV4) return decodeIpv4(b, at, end, wireEnd, view, skips, frame);
  if (etherType === ETHERTYPE_IPV6) return decodeIpv6(b, at, end, wireEnd, view, skips, frame);
  if (etherType === ETHERTYPE_ARP) return decodeArp(b, at, end, view, skips, frame);
  return skip(skips, frame, 'non-IP frame');
}

function skip(skips: SkipTally, frame: RawFrame, reason: string): false {
  skips.add(reason, framePosition(frame.index, frame.byteOffset));
  return false;
}

function mac(b: Uint8Array, at: number): number {
  return (
    ((b[at] << 8) | b[at + 1]) * 4294967296 +
    (((b[at + 2] << 24) | (b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5]) >>> 0)
  );
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function decodeArp(
  b: Uint8Array,
  at: number,
  end: number,
  view: DecodedPacket,
  skips: SkipTally,
  frame: RawFrame,
): boolean {
  if (end - at < 8) return skip(skips, frame, 'ARP header past the captured frame');
  const ptype = (b[at + 2] << 8) | b[at + 3];
  const hlen = b[at + 4];
  const plen = b[at + 5];
  if (end - at < 8 + 2 * (hlen + plen)) return skip(skips, frame, 'ARP header past the captured frame');
  view.isArp = true;
  if (ptype === ETHERTYPE_IPV4 && plen === 4) {
    view.src4 = u32be(b, at + 8 + hlen);
    view.dst4 = u32be(b, at + 8 + 2 * hlen + plen);
  }
  return true;
}

function decodeIpv4(
  b: Uint8Array,
  at: number,
  end: number,
  wireEnd: number,
  view: DecodedPacket,
  skips: SkipTally,
  frame: RawFrame,
): boolean {
  if (end - at < 20) return skip(skips, frame, 'IPv4 header past the captured frame');
  const first = b[at];
  if (first >> 4 !== 4) return skip(skips, frame, 'IPv4 header with a bad version');
  const headerLength = (first & 0x0f) * 4;
  if (headerLength < 20) return skip(skips, frame, 'IPv4 header length (IHL) < 5');
  const total = (b[at + 2] << 8) | b[at + 3];
  if (total < headerLength) return skip(skips, frame, 'IPv4 total length shorter than its header');
  if (at + total > wireEnd) return skip(skips, frame, 'IPv4 total length past the frame');
  if (end - at < headerLength) return skip(skips, frame, 'IPv4 header past the captured frame');
  view.ipVersion = 4;
  view.ipLength = total;
  view.protocol = b[at + 9]!;
  view.src4 = u32be(b, at + 12);
  view.dst4 = u32be(b, at + 16);
  const fragField = (b[at + 6] << 8) | b[at + 7];
  const fragOffset = (fragField & 0x1fff) * 8;
  const more = (fragField & 0x2000) !== 0;
  const payload = total - headerLength;
  if (fragOffset > 0 || more) {
    view.isFragment = true;
    view.wrongFragment = isWrongFragment(fragOffset, payload, more);
    // Later fragments carry no transport header: the view stops at IP.
    if (fragOffset > 0) return true;
  }
  return decodeTransport(b, at + headerLength, Math.min(end, at + total), payload, view, skips, frame);
}

function isWrongFragment(offset: number, payload: number, more: boolean): boolean {
  return payload === 0 || (more && payload % 8 !== 0) || offset + payload > 65535;
}

/** IPv6 extension headers walked to find the transport: hop-by-hop, routing, fragment, destination options, AH. */
function decodeIpv6(
  b: Uint8Array,
  at: number,
  end: number,
  wireEnd: number,
  view: DecodedPacket,
  skips: SkipTally,
  frame: RawFrame,
): boolean {
  if (end - at < 40) return skip(skips, frame, 'IPv6 header past the captured frame');
  if (b[at] >> 4 !== 6) return skip(skips, frame, 'IPv6 header with a bad version');
  const payloadLength = (b[at + 4] << 8) | b[at + 5];
  if (at + 40 + payloadLength > wireEnd) return skip(skips, frame, 'IPv6 payload length past the frame');
  view.ipVersion = 6;
  view.ipLength = 40 + payloadLength;
  const a = view.addr;
  for (let i = 0; i < 8; i++) a[i] = u32be(b, at + 8 + 4 * i);
  let next = b[at + 6];
  let o = at + 40;
  const ipEnd = at + 40 + payloadLength;
  for (let hops = 0; hops < 16; hops++) {
    if (next === 0 || next === 43 || next === 60 || next === 51 || next === 44) {
      if (Math.min(end, ipEnd) - o < 8)
        return skip(skips, frame, 'IPv6 extension header past the captured frame');
      const len = next === 44 ? 8 : next === 51 ? (b[o + 1] + 2) * 4 : (b[o + 1] + 1) * 8;
      if (next === 44) {
        const field = (b[o + 2] << 8) | b[o + 3];
        const offset = field & 0xfff8;
        const more = (field & 1) !== 0;
        view.isFragment = true;
        view.wrongFragment = isWrongFragment(offset, ipEnd - o - 8, more);
        if (offset > 0) {
          view.protocol = b[o]!;
          return true;
        }
      }
      next = b[o]!;
      o += len;
      if (o > ipEnd) return skip(skips, frame, 'IPv6 extension header past the frame');
      continue;
    }
    break;
  }
  view.protocol = next;
  return decodeTransport(b, o, Math.min(end, ipEnd), ipEnd - o, view, skips, frame);
}

/**
 * TCP, UDP, ICMP and ICMPv6 headers. `capEnd` is where captured bytes of this IP packet end, `length` the
 * transport length the IP header declares (headers + payload).
 */
function decodeTransport(
  b: Uint8Array,
  at: number,
  capEnd: number,
  length: number,
  view: DecodedPacket,
  skips: SkipTally,
  frame: RawFrame,
): boolean {
  const captured = capEnd - at;
  switch (view.protocol) {
    case TCP: {
      if (length < 20) return skip(skips, frame, 'TCP header past the IP packet');
      if (captured < 20) return skip(skips, frame, 'TCP header past the captured frame');
      const dataOffset = (b[at + 12] >> 4) * 4;
      if (dataOffset < 20) return skip(skips, frame, 'TCP data offset < 5');
      if (dataOffset > length) return skip(skips, frame, 'TCP data offset past the IP packet');
      view.srcPort = (b[at] << 8) | b[at + 1];
      view.dstPort = (b[at + 2] << 8) | b[at + 3];
      view.tcpSeq = u32be(b, at + 4);
      view.tcpAck = u32be(b, at + 8);
      view.tcpFlags = b[at + 13]!;
      view.urgent = (view.tcpFlags & 0x20) !== 0 && ((b[at + 18] << 8) | b[at + 19]) !== 0;
      view.payloadLength = length - dataOffset;
      view.hasPorts = true;
      return true;
    }
    case UDP: {
      if (length < 8) return skip(skips, frame, 'UDP header past the IP packet');
      if (captured < 8) return skip(skips, frame, 'UDP header past the captured frame');
      const udpLength = (b[at + 4] << 8) | b[at + 5];
      if (udpLength < 8) return skip(skips, frame, 'UDP length < 8');
      if (udpLength > length && !view.isFragment) return skip(skips, frame, 'UDP length past the IP packet');
      view.srcPort = (b[at] << 8) | b[at + 1];
      view.dstPort = (b[at + 2] << 8) | b[at + 3];
      // Zeek counts the UDP length field (a first fragment declares the whole datagram).
      view.payloadLength = udpLength - 8;
      view.hasPorts = true;
      return true;
    }
    case ICMP:
    case ICMPV6: {
      if (length < 8) return skip(skips, frame, 'ICMP header past the IP packet');
      if (captured < 2) return skip(skips, frame, 'ICMP header past the captured frame');
      // Zeek's convention: the type is the source "port"; the destination "port" is the type of the
      // matching reply or request (so both directions meet in one connection), or the code for one-way types.
      const type = b[at];
      const code = b[at + 1];
      view.srcPort = type;
      view.dstPort = icmpCounterpart(type, code, view.protocol === ICMPV6);
      view.payloadLength = length - 8;
      view.hasPorts = true;
      return true;
    }
    default:
      view.payloadLength = length;
      return true;
  }
}

/** Request/reply type pairs Zeek tracks as one connection; one-way types give their code. */
export function icmpCounterpart(type: number, code: number, v6: boolean): number {
  if (v6) {
    switch (type) {
      case 128:
        return 129;
      case 129:
        return 128;
      case 133:
        return 134;
      case 134:
        return 133;
      case 135:
        return 136;
      case 136:
        return 135;
      case 130:
        return 131;
      case 131:
        return 130;
      case 139:
        return 140;
      case 140:
        return 139;
      case 144:
        return 145;
      case 145:
        return 144;
      default:
        return code;
    }
  }
  switch (type) {
    case 8:
      return 0;
    case 0:
      return 8;
    case 13:
      return 14;
    case 14:
      return 13;
    case 15:
      return 16;
    case 16:
      return 15;
    case 10:
      return 9;
    case 9:
      return 10;
    case 17:
      return 18;
    case 18:
      return 17;
    default:
      return code;
  }
}
